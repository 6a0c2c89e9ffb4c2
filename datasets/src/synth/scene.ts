import { SCENE_CLASS, type SceneLabel } from '../labels';
import { streamRng, type Rng } from '@asc/core';
import { dbToGain, deviceResponse, reverberate, rms } from './dsp';
import {
  babble,
  birds,
  chime,
  createSceneBuffers,
  footsteps,
  hvac,
  noiseBed,
  randomEnvelope,
  traffic,
  vehicle,
  wind,
  type SceneBuffers,
  type Vehicle,
} from './elements';

// Aliases of Math: global lookups inside a vm context (as under Jest) are ~100x slower.
const { abs, hypot, max, round } = Math;

/** Everything needed to render one clip; a pure function of these values. */
export interface ClipSpec {
  /**
   * One of the ten TAU scenes, e.g. 'metro_station'. Its 3Class class picks the sound
   * (SCENE_CLASS); the scene varies it. The dataset's label (the class, or the scene
   * itself for ten classes) plays no part in rendering.
   */
  scene: string;
  /** Seeds what all clips of one recording location share (room, mains, vehicle). */
  locationSeed: number;
  /** Seeds what differs from clip to clip. */
  clipSeed: number;
  seconds: number;
  sampleRateHz: number;
  /** 0 (classes far apart) .. 1 (heavy overlap). */
  difficulty: number;
}

/** What a recording location fixes for all of its clips. */
interface Location {
  rt60Seconds: number;
  roomScale: number;
  damping: number;
  mainsHz: number;
  engineHz: number;
  brightnessHz: number;
  bedHighHz: number;
}

/** The 3Class class whose sounds a scene is made of. */
function familyOf(scene: string): SceneLabel {
  const family = SCENE_CLASS[scene];
  if (family === undefined) throw new RangeError(`renderClip: unknown scene '${scene}'`);
  return family;
}

function locationOf(spec: ClipSpec): Location {
  const rng = streamRng(spec.locationSeed, 1);
  const room = {
    indoor: { rt60: [0.9, 2.6], scale: [0.9, 1.6], damping: [0.2, 0.45] },
    outdoor: { rt60: [0.3, 0.9], scale: [0.6, 1.2], damping: [0.4, 0.7] },
    transportation: { rt60: [0.2, 0.6], scale: [0.3, 0.6], damping: [0.5, 0.75] },
  }[familyOf(spec.scene)];
  return {
    rt60Seconds: rng.uniform(room.rt60[0], room.rt60[1]),
    roomScale: rng.uniform(room.scale[0], room.scale[1]),
    damping: rng.uniform(room.damping[0], room.damping[1]),
    mainsHz: rng.chance(0.7) ? 50 : 60,
    engineHz: spec.scene === 'bus' ? rng.uniform(22, 36) : rng.uniform(14, 30),
    brightnessHz: rng.uniform(500, 1800),
    bedHighHz: rng.uniform(1500, 6000),
  };
}

/** The draws and knobs a scene composer works with. */
interface Composer {
  b: SceneBuffers;
  rng: Rng;
  location: Location;
  scene: string;
  seconds: number;
  difficulty: number;
  /** Random level offset in dB for a class-specific element; wider at higher difficulty. */
  jitterDb(): number;
  /** Whether an element borrowed from another class occurs (more often at higher difficulty). */
  confuser(baseChance?: number): boolean;
}

/** Reverberant halls: babble, ventilation hum, footsteps, announcement chimes. */
function composeIndoor(c: Composer): void {
  const { b, rng, scene } = c;
  noiseBed(b, rng, {
    gainDb: -16 + c.jitterDb(),
    lowHz: 40,
    highHz: c.location.bedHighHz,
    coherence: 0.5,
    sendGain: 0.6,
  });
  const crowd = randomEnvelope(rng, b.frames, b.sampleRateHz, 0.2, 0.6);
  noiseBed(b, rng, {
    gainDb: -18 + c.jitterDb(),
    lowHz: 250,
    highHz: 3000,
    coherence: 0.3,
    envelope: crowd,
    sendGain: 0.8,
  });
  const voices = scene === 'metro_station' ? rng.int(1, 4) : rng.int(2, 6);
  babble(b, rng, { voices, gainDb: -4 + c.jitterDb(), sendGain: 0.9, seconds: c.seconds });
  hvac(b, rng, { mainsHz: c.location.mainsHz, gainDb: -12 + c.jitterDb(), sendGain: 0.5 });
  if (rng.chance(0.85))
    footsteps(b, rng, { walkers: rng.int(1, 4), gainDb: -6 + c.jitterDb(), sendGain: 0.7 });
  if (rng.chance(scene === 'shopping_mall' ? 0.2 : 0.5)) {
    chime(b, rng, {
      gainDb: -10 + c.jitterDb(),
      sendGain: 0.8,
      atSeconds: rng.uniform(0, c.seconds - 1.5),
    });
  }
  // A metro station hears its trains; elsewhere traffic leaks in through doors.
  if (scene === 'metro_station' ? c.confuser(0.3) : c.confuser()) {
    vehicle(b, rng, {
      kind: 'metro',
      gainDb: -12 + c.jitterDb(),
      engineHz: c.location.engineHz,
      impactsDb: -16,
    });
  }
  if (c.confuser()) traffic(b, rng, { passes: rng.int(1, 2), gainDb: -16, brightnessHz: 600 });
}

/** Open air: gusty wind, birds, passing traffic, distant city rumble, passers-by. */
function composeOutdoor(c: Composer): void {
  const { b, rng, scene } = c;
  noiseBed(b, rng, {
    gainDb: -14 + c.jitterDb(),
    lowHz: 20,
    highHz: c.location.brightnessHz * 0.6,
    coherence: 0.3,
  });
  const windChance = { park: 0.85, public_square: 0.6 }[scene] ?? 0.5;
  if (rng.chance(windChance))
    wind(b, rng, { gainDb: -6 + c.jitterDb(), cutoffHz: rng.uniform(90, 400) });
  const birdCount = scene === 'park' ? rng.int(2, 5) : rng.chance(0.4) ? rng.int(1, 2) : 0;
  birds(b, rng, { birds: birdCount, gainDb: -12 + c.jitterDb() });
  const passes =
    {
      street_traffic: rng.int(4, 9),
      street_pedestrian: rng.int(1, 3),
      public_square: rng.int(0, 3),
    }[scene] ?? rng.int(0, 1);
  const trafficDb = { street_traffic: -2, street_pedestrian: -8, public_square: -12 }[scene] ?? -18;
  traffic(b, rng, {
    passes,
    gainDb: trafficDb + c.jitterDb(),
    brightnessHz: c.location.brightnessHz,
  });
  const talkers = { public_square: rng.int(2, 5), street_pedestrian: rng.int(1, 3) }[scene] ?? 0;
  if (talkers > 0 || c.confuser()) {
    babble(b, rng, {
      voices: max(1, talkers),
      gainDb: -10 + c.jitterDb(),
      sendGain: 0.15,
      seconds: c.seconds,
    });
  }
  if (scene === 'street_pedestrian' || c.confuser()) {
    footsteps(b, rng, { walkers: rng.int(1, 3), gainDb: -12 + c.jitterDb(), sendGain: 0.1 });
  }
  if (c.confuser(0))
    chime(b, rng, { gainDb: -16, sendGain: 0.3, atSeconds: rng.uniform(0, c.seconds - 1.5) });
  if (c.confuser(0)) {
    vehicle(b, rng, {
      kind: 'bus',
      gainDb: -14 + c.jitterDb(),
      engineHz: c.location.engineHz,
      impactsDb: -30,
    });
  }
}

/** Inside a bus, metro or tram: engine or motor following the speed, rail impacts, door chimes, passengers. */
function composeTransportation(c: Composer): void {
  const { b, rng, scene } = c;
  const kind: Vehicle = scene === 'bus' || scene === 'metro' ? scene : 'tram';
  vehicle(b, rng, {
    kind,
    gainDb: -2 + c.jitterDb(),
    engineHz: c.location.engineHz,
    impactsDb: -8 + c.jitterDb(),
  });
  noiseBed(b, rng, {
    gainDb: -16 + c.jitterDb(),
    lowHz: 30,
    highHz: c.location.brightnessHz,
    coherence: 0.85 - 0.5 * c.difficulty,
    sendGain: 0.3,
  });
  const passengers = rng.int(0, 3);
  if (passengers > 0)
    babble(b, rng, {
      voices: passengers,
      gainDb: -12 + c.jitterDb(),
      sendGain: 0.4,
      seconds: c.seconds,
    });
  if (rng.chance(kind === 'bus' ? 0.3 : 0.6)) {
    chime(b, rng, {
      gainDb: -10 + c.jitterDb(),
      sendGain: 0.3,
      atSeconds: rng.uniform(0, c.seconds - 1.5),
    });
  }
  if (c.confuser()) wind(b, rng, { gainDb: -14 + c.jitterDb(), cutoffHz: rng.uniform(90, 300) });
  if (c.confuser())
    traffic(b, rng, { passes: rng.int(1, 3), gainDb: -14 + c.jitterDb(), brightnessHz: 800 });
  if (c.confuser(0)) birds(b, rng, { birds: 1, gainDb: -20 });
  if (c.confuser(0)) footsteps(b, rng, { walkers: rng.int(1, 2), gainDb: -12, sendGain: 0.3 });
}

const COMPOSERS: Record<SceneLabel, (c: Composer) => void> = {
  indoor: composeIndoor,
  outdoor: composeOutdoor,
  transportation: composeTransportation,
};

/** Loudness of the finished clip, drawn per clip so that level is no clue to the class. */
const TARGET_RMS_DBFS = [-32, -20] as const;
const PEAK_LIMIT = 0.95;

/**
 * Renders one stereo clip: the class's elements, a shared "device and city" noise floor
 * that rises with difficulty, the location's room reverb, then level normalisation.
 * Returns [left, right] in [-1, 1].
 */
export function renderClip(spec: ClipSpec): [Float64Array, Float64Array] {
  const frames = round(spec.seconds * spec.sampleRateHz);
  const b = createSceneBuffers(frames, spec.sampleRateHz);
  const rng = streamRng(spec.clipSeed, 2);
  const location = locationOf(spec);
  const d = spec.difficulty;
  const spreadDb = 3 + 6 * d;
  COMPOSERS[familyOf(spec.scene)]({
    b,
    rng,
    location,
    scene: spec.scene,
    seconds: spec.seconds,
    difficulty: d,
    jitterDb: () => rng.uniform(-spreadDb, spreadDb),
    confuser: (baseChance = 0.1) => rng.chance(baseChance + 0.7 * d),
  });
  noiseBed(b, rng, {
    gainDb: -30 + 30 * d + rng.uniform(-4, 4),
    lowHz: rng.uniform(20, 80),
    highHz: rng.uniform(2000, 12000),
    coherence: rng.uniform(0.2, 0.9),
  });

  const reverb = {
    rt60Seconds: location.rt60Seconds,
    roomScale: location.roomScale,
    damping: location.damping,
    sampleRateHz: spec.sampleRateHz,
  };
  const scratch = new Float64Array(frames);
  reverberate(b.send, b.left, 0, reverb, scratch);
  reverberate(b.send, b.right, 1, reverb, scratch);
  // Devices colour the spectrum; more so, and so less telling, at higher difficulty.
  const tiltDb = 2 + 10 * d;
  const lowGain = dbToGain(rng.uniform(-tiltDb, tiltDb));
  const highGain = dbToGain(rng.uniform(-tiltDb, tiltDb));
  deviceResponse(b.left, lowGain, highGain, spec.sampleRateHz);
  deviceResponse(b.right, lowGain, highGain, spec.sampleRateHz);

  const level = hypot(rms(b.left), rms(b.right)) / Math.SQRT2;
  let gain = level > 0 ? dbToGain(rng.uniform(TARGET_RMS_DBFS[0], TARGET_RMS_DBFS[1])) / level : 0;
  let peak = 0;
  for (let i = 0; i < frames; i++) peak = max(peak, abs(b.left[i]), abs(b.right[i]));
  if (peak * gain > PEAK_LIMIT) gain = PEAK_LIMIT / peak;
  for (let i = 0; i < frames; i++) {
    b.left[i] *= gain;
    b.right[i] *= gain;
  }
  return [b.left, b.right];
}
