// asc's operations layer (tools/src/ops): typed functions that print progress on an
// Output; the commands are thin yargs adapters over them. Here: ask and tell, the search
// driven by a trainer outside this project.
import {
  PrunerConfigError,
  STUDY_FILES,
  Study,
  StudyDir,
  StudyMismatchError,
  TellError,
  askTrial,
  openTrialStore,
  redactUrl,
  tellTrial,
  type AskOutcome,
  type Told,
  type TrialStatus,
} from '@asc/zoo';
import { UsageError } from '../cli/errors';
import type { Output } from '../cli/output';
import {
  readStudyConfig,
  recordStudyConfig,
  resolveStudy,
  type StudyLocation,
  type StudyRequest,
} from './search';

export interface AskOptions extends StudyRequest {
  /** Finished trials the study runs to. */
  trials: number;
  /** Asked trials not told within this long are offered again. */
  heartbeatTimeoutMs: number;
}

/** `asc trials ask`: creates the study if new, then claims the next trial for the caller. */
export async function askStudy(options: AskOptions, out: Output): Promise<AskOutcome> {
  const resolved = await resolveStudy(options);
  const { settings, name, storeLocation, featureConfigHash, labels, split } = resolved;
  const store = await openTrialStore(storeLocation);
  try {
    let study: Study;
    try {
      study = await Study.open(store, {
        name,
        seed: settings.seed,
        window: settings.window,
        featureConfigHash,
        sampler: settings.sampler,
        pruner: settings.pruner,
        init: settings.init,
        ...(labels !== undefined ? { classes: labels.length } : {}),
        extra: {
          ...(labels !== undefined ? { labels } : {}),
          ...(split !== undefined ? { split } : {}),
        },
      });
    } catch (err) {
      if (err instanceof StudyMismatchError || err instanceof PrunerConfigError) {
        throw new UsageError(err.message);
      }
      throw err;
    }
    recordStudyConfig(resolved, { trials: options.trials });
    const asked = await askTrial(study, {
      target: options.trials,
      heartbeatTimeoutMs: options.heartbeatTimeoutMs,
    });
    if (asked.kind === 'trial') {
      const b = asked.budget;
      out.info(
        `trial ${asked.trial} ${asked.archId} (${asked.via}): train to ${+b.epochs.toFixed(6)} epochs ` +
          `(rung ${b.rung}) from ${+b.fromEpochs.toFixed(6)}, seed ${asked.seed}, ` +
          `schedule of ${b.maxEpochs} epochs; then asc trials tell --trial ${asked.trial} ...`,
      );
    } else if (asked.kind === 'wait') {
      out.info(`nothing to ask now: ${asked.running} trials running; ask again later`);
    } else out.info(`study "${name}" is done: ${asked.complete} complete trials`);
    return asked;
  } finally {
    await store.close();
  }
}

/**
 * Where a study's trials are: the location of its trial store and its name there. A study
 * directory without its store is a UsageError, `hint` saying what makes one.
 */
export function locateStudy(
  location: StudyLocation,
  hint: string,
): { storeLocation: string; name: string } {
  if ('storage' in location) return { storeLocation: location.storage, name: location.name };
  const dir = new StudyDir(location.dir);
  if (!dir.hasStore()) {
    throw new UsageError(`${dir.dir}: no trial store (${STUDY_FILES.store}); ${hint}`);
  }
  return { storeLocation: dir.storeFile, name: dir.name(readStudyConfig(dir)) };
}

/** `asc trials tell`: records an asked trial's result at its rung (or its failure). */
export async function tellStudy(
  location: StudyLocation,
  number: number,
  told: Told | { failed: string },
  out: Output,
): Promise<{ trial: number; status: TrialStatus; rung: number | null }> {
  const { storeLocation, name } = locateStudy(location, 'ask first');
  const store = await openTrialStore(storeLocation);
  try {
    let study: Study;
    try {
      study = await Study.load(store, name);
    } catch (err) {
      if (err instanceof StudyMismatchError) throw new UsageError(err.message);
      throw err;
    }
    const result = await tellTrial(study, number, told).catch((err: unknown) => {
      if (err instanceof TellError)
        throw new UsageError(`${redactUrl(storeLocation)}: ${err.message}`);
      throw err;
    });
    out.info(`trial ${result.trial}: ${result.status} at rung ${result.rung}`);
    return result;
  } finally {
    await store.close();
  }
}
