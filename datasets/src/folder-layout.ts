import * as fs from 'fs';
import * as path from 'path';
import { clipRecord, numberedStem, parseClipName } from './clip-name';
import type { ClipRecord, LayoutContent, RecordingGroups } from './dataset';
import { orderLabels } from './labels';
import { AUDIO_DIR } from './layout-files';
import { examples, type ProblemLog } from './problems';
import {
  drawEvaluateGroups,
  resolveSplitOptions,
  type ClipGroup,
  type SplitOptions,
} from './split';

/**
 * File extensions of the audio formats libsndfile reads (WAV and its RF64/BW64/Wave64
 * relatives, AIFF, AU, CAF, FLAC, Ogg Vorbis/Opus, MP3), matched without regard to case.
 * Other files in the class folders are ignored, with a warning.
 */
export const AUDIO_EXTENSIONS: readonly string[] = [
  '.wav',
  '.wave',
  '.bwf',
  '.rf64',
  '.w64',
  '.aif',
  '.aiff',
  '.aifc',
  '.au',
  '.snd',
  '.caf',
  '.flac',
  '.ogg',
  '.oga',
  '.opus',
  '.mp3',
];

export function isAudioFile(name: string): boolean {
  return AUDIO_EXTENSIONS.includes(path.extname(name).toLowerCase());
}

/** Whether a directory entry is a folder, following a symbolic link. */
export function isDirectory(dir: string, entry: fs.Dirent): boolean {
  if (entry.isDirectory()) return true;
  if (!entry.isSymbolicLink()) return false;
  return fs.statSync(path.join(dir, entry.name), { throwIfNoEntry: false })?.isDirectory() ?? false;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Audio files and other files under `dir` (relative to it, '/'-separated, sorted); hidden names skipped. */
function listTree(dir: string): { audio: string[]; other: string[] } {
  const audio: string[] = [];
  const other: string[] = [];
  const walk = (relative: string): void => {
    const absolute = path.join(dir, relative);
    for (const entry of fs.readdirSync(absolute, { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue;
      const name = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (isDirectory(absolute, entry)) walk(name);
      else (isAudioFile(entry.name) ? audio : other).push(name);
    }
  };
  walk('');
  return { audio: audio.sort(compare), other: other.sort(compare) };
}

type GroupKind = keyof RecordingGroups;

/**
 * The recording a file of a class folder belongs to, so that the split keeps its pieces
 * together: the location of a TAU-style name, else the first sub-folder of the class
 * folder, else a numbered name's stem when another file of the class shares it.
 */
function recordingOf(
  inClass: string,
  sharedStems: ReadonlySet<string>,
): { kind: GroupKind; key: string } {
  const tau = parseClipName(inClass);
  if (tau) return { kind: 'location', key: tau.location };
  const slash = inClass.indexOf('/');
  if (slash > 0) return { kind: 'folder', key: `${inClass.slice(0, slash)}/` };
  const stem = numberedStem(inClass);
  if (stem !== undefined && sharedStems.has(stem)) return { kind: 'name', key: stem };
  return { kind: 'file', key: inClass };
}

/** Stems of numbered names that two or more files of a class share. */
function sharedNumberedStems(files: readonly string[]): Set<string> {
  const seen = new Map<string, number>();
  for (const file of files) {
    if (file.includes('/')) continue;
    const stem = numberedStem(file);
    if (stem !== undefined) seen.set(stem, (seen.get(stem) ?? 0) + 1);
  }
  return new Set([...seen].filter(([, n]) => n >= 2).map(([stem]) => stem));
}

/**
 * Reads a dataset laid out as a folder per class, `audio/<label>/**` (any depth; the
 * extensions in AUDIO_EXTENSIONS), and splits it with a seed: within each class, clips of
 * one recording (see recordingOf) stay on one side, and about `evaluateFraction` of the
 * class's clips are held out for evaluation. The labels are the folder names.
 */
export function readFolderLayout(
  root: string,
  splitOptions: Partial<SplitOptions> | undefined,
  log: ProblemLog,
): LayoutContent {
  const options = resolveSplitOptions(splitOptions);
  const audioDir = path.join(root, AUDIO_DIR);
  const byClass = new Map<string, string[]>();
  const ignored: string[] = [];
  for (const entry of fs.readdirSync(audioDir, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const name = `${AUDIO_DIR}/${entry.name}`;
    if (isDirectory(audioDir, entry)) {
      const { audio, other } = listTree(path.join(audioDir, entry.name));
      byClass.set(entry.name, audio);
      ignored.push(...other.map((file) => `${name}/${file}`));
    } else if (isAudioFile(entry.name)) {
      log.add({
        severity: 'error',
        code: 'unlabelled-audio',
        message: `${name} is not in a class folder (${AUDIO_DIR}/<label>/); move it into one`,
        file: name,
      });
    } else {
      ignored.push(name);
    }
  }
  for (const [label, files] of byClass) {
    if (files.length > 0) continue;
    log.add({
      severity: 'error',
      code: 'empty-class',
      message:
        `class folder ${AUDIO_DIR}/${label}/ holds no audio files ` +
        `(${AUDIO_EXTENSIONS.join(' ')}); remove it or add its clips`,
      file: `${AUDIO_DIR}/${label}/`,
    });
    byClass.delete(label);
  }
  if (ignored.length > 0) {
    log.add({
      severity: 'warning',
      code: 'ignored-files',
      message: `${ignored.length} files are not audio and are ignored: ${examples(ignored)}`,
    });
  }

  const labels = orderLabels(byClass.keys());
  const groups: RecordingGroups = { location: 0, folder: 0, name: 0, file: 0 };
  const groupsByClass = new Map<string, ClipGroup[]>();
  const clipGroup = new Map<string, string>();
  const clips: ClipRecord[] = [];
  for (const label of labels) {
    const files = byClass.get(label)!;
    const stems = sharedNumberedStems(files);
    const recordings = files.map((inClass) => recordingOf(inClass, stems));
    // A class that is all one recording cannot be split by recording: its files are split
    // one by one, and the shared-location check says so.
    const oneRecording = files.length >= 2 && recordings.every((r) => r.key === recordings[0].key);
    const sizes = new Map<string, number>();
    files.forEach((inClass, i) => {
      const file = `${AUDIO_DIR}/${label}/${inClass}`;
      const recording = recordings[i];
      const key = oneRecording ? inClass : recording.key;
      groups[oneRecording ? 'file' : recording.kind] += 1;
      sizes.set(key, (sizes.get(key) ?? 0) + 1);
      clipGroup.set(file, key);
      clips.push(
        clipRecord(
          root,
          file,
          { label, classIndex: labels.indexOf(label) },
          {
            split: 'train',
            location:
              recording.kind === 'file'
                ? null
                : recording.kind === 'location'
                  ? recording.key
                  : `${label}/${recording.key}`,
          },
        ),
      );
    });
    groupsByClass.set(
      label,
      [...sizes].map(([key, n]) => ({ key, clips: n })),
    );
  }
  const evaluate = drawEvaluateGroups(groupsByClass, options);
  for (const clip of clips) {
    if (evaluate.get(clip.label)?.has(clipGroup.get(clip.file)!)) {
      clip.split = 'evaluate';
      clip.inTest = true;
    }
  }
  return {
    labels,
    clips,
    splitMethod: { method: 'seeded', ...options, groups },
    splitFiles: { train: `${AUDIO_DIR}/`, evaluate: `${AUDIO_DIR}/` },
  };
}
