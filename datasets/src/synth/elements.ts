import type { Rng } from '@asc/core';
import {
  applyBiquad,
  applyBiquads,
  bandpass,
  dbToGain,
  highpass,
  lowpass,
  mixInto,
  onePoleHighpass,
  onePoleLowpass,
  sineOfCycles,
  type Biquad,
} from './dsp';

// Aliases of Math: global lookups inside a vm context (as under Jest) are ~100x slower.
const { ceil, cos, exp, floor, max, min, round, sin, sqrt, tanh } = Math;

/**
 * Where a scene's sound elements are mixed: the direct sound at the two ears and a mono
 * bus that goes through the room's reverberator (which decorrelates the ears).
 */
export interface SceneBuffers {
  sampleRateHz: number;
  frames: number;
  left: Float64Array;
  right: Float64Array;
  send: Float64Array;
}

export function createSceneBuffers(frames: number, sampleRateHz: number): SceneBuffers {
  return {
    sampleRateHz,
    frames,
    left: new Float64Array(frames),
    right: new Float64Array(frames),
    send: new Float64Array(frames),
  };
}

/** Largest interaural time difference of a head-sized microphone pair (about 0.7 ms). */
const MAX_ITD_SECONDS = 0.0007;
/** Interaural level difference at the side, as a gain ratio of about 9 dB. */
const ILD_SLOPE = 0.45;

/**
 * Adds a point source at `azimuth` (-1 left, 0 ahead, 1 right): the far ear hears it
 * later (ITD) and quieter (ILD). `sendGain` also feeds it to the room reverb.
 */
export function place(
  b: SceneBuffers,
  signal: Float64Array,
  startFrame: number,
  azimuth: number,
  gain: number,
  sendGain = 0,
): void {
  const itd = round(azimuth * MAX_ITD_SECONDS * b.sampleRateHz);
  mixInto(b.left, signal, startFrame + max(0, itd), gain * (1 - ILD_SLOPE * azimuth));
  mixInto(b.right, signal, startFrame + max(0, -itd), gain * (1 + ILD_SLOPE * azimuth));
  if (sendGain > 0) mixInto(b.send, signal, startFrame, sendGain);
}

/** A slowly varying random gain curve: points every `stepSeconds`, linearly joined. */
export function randomEnvelope(
  rng: Rng,
  frames: number,
  sampleRateHz: number,
  stepSeconds: number,
  depth: number,
): Float64Array {
  const step = max(1, round(stepSeconds * sampleRateHz));
  const points = ceil(frames / step) + 2;
  const values = Array.from({ length: points }, () => max(0, 1 - depth + depth * 2 * rng.next()));
  const envelope = new Float64Array(frames);
  for (let i = 0; i < frames; i++) {
    const k = floor(i / step);
    const t = (i - k * step) / step;
    envelope[i] = values[k] + (values[k + 1] - values[k]) * t;
  }
  return envelope;
}

export interface NoiseBedOptions {
  gainDb: number;
  lowHz: number;
  highHz: number;
  /** Inter-channel correlation of the noise, 0 (independent ears) .. 1 (identical). */
  coherence: number;
  /** Optional gain curve (gusts, crowd swell). */
  envelope?: Float64Array;
  /** Fraction also sent to the reverb. */
  sendGain?: number;
}

/** Band-limited noise at both ears with a chosen inter-channel coherence. */
export function noiseBed(b: SceneBuffers, rng: Rng, o: NoiseBedOptions): void {
  const a = rng.fillNoise(new Float64Array(b.frames));
  const c = rng.fillNoise(new Float64Array(b.frames));
  const band: [Biquad, Biquad] = [
    highpass(o.lowHz, 0.707, b.sampleRateHz),
    lowpass(o.highHz, 0.707, b.sampleRateHz),
  ];
  applyBiquads(a, band);
  applyBiquads(c, band);
  const g = dbToGain(o.gainDb);
  const mixOther = sqrt(1 - o.coherence * o.coherence);
  const env = o.envelope;
  const send = o.sendGain ?? 0;
  for (let i = 0; i < b.frames; i++) {
    const e = env ? g * env[i] : g;
    const l = a[i] * e;
    b.left[i] += l;
    b.right[i] += (o.coherence * a[i] + mixOther * c[i]) * e;
    if (send > 0) b.send[i] += l * send;
  }
}

/** Adds a harmonic-free steady sine (mains hum, motor whine) by a recursive oscillator. */
export function addSine(
  out: Float64Array,
  frequencyHz: number,
  amplitude: number,
  sampleRateHz: number,
  phase = 0,
): void {
  const w = (2 * Math.PI * frequencyHz) / sampleRateHz;
  const k = 2 * cos(w);
  let y1 = amplitude * sin(phase - w);
  let y2 = amplitude * sin(phase - 2 * w);
  for (let i = 0; i < out.length; i++) {
    const y = k * y1 - y2;
    out[i] += y;
    y2 = y1;
    y1 = y;
  }
}

/** A decaying sine (bell partial, body resonance) added from `start`, by a damped recursive oscillator. */
export function addDecayingSine(
  out: Float64Array,
  start: number,
  frequencyHz: number,
  amplitude: number,
  decaySeconds: number,
  sampleRateHz: number,
): void {
  const w = (2 * Math.PI * min(frequencyHz, 0.45 * sampleRateHz)) / sampleRateHz;
  const r = exp(-1 / (decaySeconds * sampleRateHz));
  const k = 2 * r * cos(w);
  const r2 = r * r;
  const end = min(out.length, start + ceil(decaySeconds * 7 * sampleRateHz));
  let y1 = 0;
  let y2 = 0;
  for (let i = max(0, start); i < end; i++) {
    const y = i === start ? amplitude * sin(w) : k * y1 - r2 * y2;
    out[i] += y;
    y2 = y1;
    y1 = y;
  }
}

/** A short decaying noise burst, band-passed: a click, a heel strike, a rail joint. */
export function impulseBurst(
  rng: Rng,
  sampleRateHz: number,
  o: { centreHz: number; q: number; decaySeconds: number; thumpHz?: number; thumpGain?: number },
): Float64Array {
  const length = ceil(o.decaySeconds * 6 * sampleRateHz) + ceil(0.25 * sampleRateHz);
  const burst = rng.fillNoise(new Float64Array(length));
  const r = exp(-1 / (o.decaySeconds * sampleRateHz));
  let e = 1;
  for (let i = 0; i < length; i++) {
    burst[i] *= e;
    e *= r;
  }
  applyBiquad(burst, bandpass(o.centreHz, o.q, sampleRateHz));
  if (o.thumpHz !== undefined) {
    addDecayingSine(burst, 0, o.thumpHz, o.thumpGain ?? 1, 0.035, sampleRateHz);
  }
  return burst;
}

export interface BabbleOptions {
  voices: number;
  gainDb: number;
  sendGain: number;
  /** Seconds of sound, mostly speech with pauses. */
  seconds: number;
}

/**
 * Talkers: glottal pulse trains at a per-talker pitch, shaped per syllable by two
 * formant resonances and a syllable-rate envelope (about 4-6 Hz), with pauses between
 * phrases; each talker at its own azimuth.
 */
export function babble(b: SceneBuffers, rng: Rng, o: BabbleOptions): void {
  const rate = b.sampleRateHz;
  const voice = new Float64Array(b.frames);
  const syllable = new Float64Array(ceil(0.4 * rate));
  for (let v = 0; v < o.voices; v++) {
    voice.fill(0);
    const f0 = rng.uniform(90, 240);
    let t = rng.uniform(0, 1.5);
    let inPhrase = rng.int(2, 7);
    let phase = 0;
    while (t < o.seconds - 0.3) {
      const durationSeconds = rng.uniform(0.12, 0.3);
      const length = round(durationSeconds * rate);
      const start = round(t * rate);
      const f1 = bandpass(rng.uniform(300, 850), 4, rate);
      const f2 = bandpass(rng.uniform(900, 2500), 7, rate);
      const pitchSlope = rng.uniform(-0.25, 0.2) / length;
      syllable.fill(0, 0, length);
      for (let i = 0; i < length; i++) {
        phase += (f0 * (1 + pitchSlope * i)) / rate;
        if (phase >= 1) {
          phase -= 1;
          syllable[i] = 1;
        }
      }
      // The two formants act in parallel on the same excitation.
      let a1 = 0;
      let a2 = 0;
      let c1 = 0;
      let c2 = 0;
      for (let i = 0; i < length; i++) {
        const x = syllable[i];
        const y1 = f1.b0 * x + a1;
        a1 = f1.b1 * x - f1.a1 * y1 + a2;
        a2 = f1.b2 * x - f1.a2 * y1;
        const y2 = f2.b0 * x + c1;
        c1 = f2.b1 * x - f2.a1 * y2 + c2;
        c2 = f2.b2 * x - f2.a2 * y2;
        const window = sineOfCycles((0.5 * i) / length);
        const at = start + i;
        if (at < voice.length) voice[at] += (y1 + 0.6 * y2) * window;
      }
      t += durationSeconds + rng.uniform(0.01, 0.06);
      if (--inPhrase === 0) {
        t += rng.uniform(0.25, 1.2);
        inPhrase = rng.int(2, 7);
      }
    }
    place(b, voice, 0, rng.uniform(-1, 1), dbToGain(o.gainDb + rng.uniform(-6, 0)), o.sendGain);
  }
}

/** Mains hum and fan noise of ventilation: steady harmonics of 50 or 60 Hz and low broadband noise. */
export function hvac(
  b: SceneBuffers,
  rng: Rng,
  o: { mainsHz: number; gainDb: number; sendGain: number },
): void {
  const rate = b.sampleRateHz;
  const hum = new Float64Array(b.frames);
  for (let harmonic = 1; harmonic <= 5; harmonic++) {
    addSine(hum, o.mainsHz * harmonic, rng.uniform(0.2, 1) / harmonic, rate, rng.uniform(0, 6.28));
  }
  const fan = rng.fillNoise(new Float64Array(b.frames));
  applyBiquad(fan, bandpass(rng.uniform(120, 400), 0.8, rate));
  for (let i = 0; i < b.frames; i++) hum[i] += 0.8 * fan[i];
  place(b, hum, 0, rng.uniform(-0.3, 0.3), dbToGain(o.gainDb), o.sendGain);
}

/** People walking by: heel strikes every half second, moving across the field. */
export function footsteps(
  b: SceneBuffers,
  rng: Rng,
  o: { walkers: number; gainDb: number; sendGain: number },
): void {
  const rate = b.sampleRateHz;
  const seconds = b.frames / rate;
  for (let w = 0; w < o.walkers; w++) {
    const intervalSeconds = rng.uniform(0.45, 0.62);
    const steps = rng.int(5, 16);
    let t = rng.uniform(-2, seconds - 1);
    const from = rng.uniform(-1, 1);
    const to = rng.uniform(-1, 1);
    const hard = rng.uniform(1500, 4000);
    const gain = dbToGain(o.gainDb + rng.uniform(-8, 0));
    for (let s = 0; s < steps; s++, t += intervalSeconds * rng.uniform(0.95, 1.05)) {
      if (t < 0 || t >= seconds) continue;
      const step = impulseBurst(rng, rate, {
        centreHz: hard * rng.uniform(0.8, 1.2),
        q: 1.2,
        decaySeconds: rng.uniform(0.004, 0.012),
        thumpHz: rng.uniform(70, 140),
        thumpGain: 0.3,
      });
      place(b, step, round(t * rate), from + ((to - from) * s) / steps, gain, o.sendGain);
    }
  }
}

/** Two- or three-note bell chime (announcement gong, door warning): inharmonic partials, long decay. */
export function chime(
  b: SceneBuffers,
  rng: Rng,
  o: { gainDb: number; sendGain: number; atSeconds: number },
): void {
  const rate = b.sampleRateHz;
  const tone = new Float64Array(ceil(3 * rate));
  const base = rng.uniform(450, 1100);
  const notes = rng.chance(0.5) ? [1, 0.8] : [1, 1.26, 1.5];
  const gap = rng.uniform(0.25, 0.6);
  notes.forEach((ratio, n) => {
    const start = round(n * gap * rate);
    const decay = rng.uniform(0.3, 0.8);
    [1, 2.01, 2.76, 4.1].forEach((partial, p) => {
      addDecayingSine(
        tone,
        start,
        base * ratio * partial,
        0.5 / (1 + 2 * p),
        decay / (1 + 0.6 * p),
        rate,
      );
    });
  });
  place(b, tone, round(o.atSeconds * rate), rng.uniform(-0.8, 0.8), dbToGain(o.gainDb), o.sendGain);
}

/** Wind on the microphones: strong, gusty low-frequency noise, nearly independent at the two ears, and leaf rustle. */
export function wind(b: SceneBuffers, rng: Rng, o: { gainDb: number; cutoffHz: number }): void {
  const gusts = randomEnvelope(rng, b.frames, b.sampleRateHz, rng.uniform(0.4, 1.2), 0.9);
  noiseBed(b, rng, {
    gainDb: o.gainDb,
    lowHz: 15,
    highHz: o.cutoffHz,
    coherence: 0.15,
    envelope: gusts,
  });
  noiseBed(b, rng, {
    gainDb: o.gainDb - rng.uniform(14, 24),
    lowHz: 2500,
    highHz: 9000,
    coherence: 0.35,
    envelope: gusts,
  });
}

/** Songbirds: phrases of short frequency-swept chirps at 2-7 kHz, each bird at its own place. */
export function birds(b: SceneBuffers, rng: Rng, o: { birds: number; gainDb: number }): void {
  const rate = b.sampleRateHz;
  const seconds = b.frames / rate;
  const chirp = new Float64Array(ceil(0.2 * rate));
  for (let bird = 0; bird < o.birds; bird++) {
    const azimuth = rng.uniform(-1, 1);
    const baseHz = rng.uniform(2200, 5500);
    const sweep = rng.uniform(-0.5, 0.6);
    const gain = dbToGain(o.gainDb + rng.uniform(-10, 0));
    let t = rng.uniform(0, 2);
    while (t < seconds) {
      const chirps = rng.int(2, 8);
      const chirpSeconds = rng.uniform(0.04, 0.15);
      for (let c = 0; c < chirps && t < seconds; c++) {
        const length = round(chirpSeconds * rate);
        const startHz = baseHz * rng.uniform(0.9, 1.1);
        const endHz = startHz * (1 + sweep);
        let phase = 0;
        for (let i = 0; i < length; i++) {
          const u = i / length;
          phase += (startHz + (endHz - startHz) * u) / rate;
          const window = sineOfCycles(0.5 * u);
          chirp[i] = window * (sineOfCycles(phase) + 0.2 * sineOfCycles(2 * phase));
        }
        place(b, chirp.subarray(0, length), round(t * rate), azimuth, gain, 0.1);
        t += chirpSeconds + rng.uniform(0.03, 0.12);
      }
      t += rng.uniform(0.5, 3.5);
    }
  }
}

/**
 * Vehicles passing by outside: tyre noise (a stretch of one shared road-noise buffer)
 * plus an engine buzz, rising and falling as the vehicle approaches and leaves while
 * it moves from one side to the other.
 */
export function traffic(
  b: SceneBuffers,
  rng: Rng,
  o: { passes: number; gainDb: number; brightnessHz: number },
): void {
  const rate = b.sampleRateHz;
  const seconds = b.frames / rate;
  const road = rng.fillNoise(new Float64Array(b.frames));
  applyBiquad(road, lowpass(o.brightnessHz, 0.707, rate));
  onePoleHighpass(road, 40, rate);
  const chunk = round(0.05 * rate);
  const pass = new Float64Array(b.frames);
  for (let p = 0; p < o.passes; p++) {
    const centre = rng.uniform(-1, seconds + 1);
    const widthSeconds = rng.uniform(0.6, 1.8);
    const direction = rng.chance(0.5) ? 1 : -1;
    const engineHz = rng.uniform(25, 55);
    const offset = rng.int(0, b.frames - 1);
    const first = max(0, floor((centre - 4 * widthSeconds) * rate));
    const last = min(b.frames, ceil((centre + 4 * widthSeconds) * rate));
    const gain = dbToGain(o.gainDb + rng.uniform(-9, 0));
    let phase = 0;
    let from = (first + offset) % b.frames;
    for (let start = first; start < last; start += chunk) {
      const end = min(last, start + chunk);
      // Doppler: the engine note drops as the vehicle goes by.
      const step =
        (engineHz * (1 - 0.04 * tanh(((start + chunk / 2) / rate - centre) / widthSeconds))) / rate;
      for (let i = start; i < end; i++) {
        const x = (i / rate - centre) / widthSeconds;
        phase += step;
        if (phase >= 1) phase -= 1;
        pass[i] = (road[from] + 0.7 * phase - 0.35) / (1 + x * x);
        if (++from === b.frames) from = 0;
      }
    }
    onePoleLowpass(pass, 3000, rate, first, last);
    for (let start = first; start < last; start += chunk) {
      const x = ((start + chunk / 2) / rate - centre) / widthSeconds;
      const end = min(last, start + chunk);
      place(b, pass.subarray(start, end), start, direction * tanh(x), gain, 0.05);
    }
  }
}

export type Vehicle = 'bus' | 'metro' | 'tram';

/**
 * Inside a vehicle: engine or traction-motor sound following a speed profile (diesel
 * firing harmonics for a bus; motor whine and rolling noise for rail), body rumble, and
 * for rail the rhythmic double impacts of wheels over rail joints.
 */
export function vehicle(
  b: SceneBuffers,
  rng: Rng,
  o: { kind: Vehicle; gainDb: number; engineHz: number; impactsDb: number },
): void {
  const rate = b.sampleRateHz;
  const seconds = b.frames / rate;
  const speed = randomEnvelope(rng, b.frames, rate, rng.uniform(2, 5), 0.6);
  const engine = new Float64Array(b.frames);
  const rolling = rng.fillNoise(new Float64Array(b.frames));
  applyBiquad(rolling, lowpass(o.kind === 'bus' ? 350 : rng.uniform(500, 1100), 0.707, rate));
  let phase = 0;
  let whinePhase = 0;
  const whineHz = rng.uniform(250, 900);
  const whineGain = o.kind === 'bus' ? 0 : rng.uniform(0.05, 0.3);
  const roll = o.kind === 'bus' ? 0.5 : 1;
  for (let i = 0; i < b.frames; i++) {
    const s = speed[i];
    phase += (o.engineHz * (0.7 + 0.6 * s)) / rate;
    const saw = 2 * (phase - floor(phase)) - 1;
    whinePhase += (whineHz * s) / rate;
    engine[i] = saw + whineGain * sineOfCycles(whinePhase) + roll * s * rolling[i];
  }
  applyBiquad(
    engine,
    lowpass(o.kind === 'bus' ? rng.uniform(250, 600) : rng.uniform(600, 1500), 0.9, rate),
  );
  const gain = dbToGain(o.gainDb);
  // The cabin is small: both ears hear nearly the same low-frequency sound.
  place(b, engine, 0, rng.uniform(-0.2, 0.2), gain, 0.3);
  noiseBed(b, rng, { gainDb: o.gainDb - 12, lowHz: 30, highHz: 180, coherence: 0.9 });

  if (o.kind === 'bus') {
    let t = rng.uniform(0, 3);
    while (t < seconds) {
      const bump = impulseBurst(rng, rate, {
        centreHz: 300,
        q: 0.7,
        decaySeconds: 0.02,
        thumpHz: rng.uniform(35, 70),
        thumpGain: 3,
      });
      place(
        b,
        bump,
        round(t * rate),
        rng.uniform(-0.4, 0.4),
        dbToGain(o.impactsDb + rng.uniform(-10, 0)),
        0.2,
      );
      t += rng.uniform(0.8, 4);
    }
    return;
  }
  const jointMetres = rng.uniform(12, 25);
  const bogieMetres = rng.uniform(2, 3);
  const topSpeed = rng.uniform(10, 22);
  const clickHz = rng.uniform(1200, 3500);
  let t = rng.uniform(0, 1);
  while (t < seconds) {
    const v = max(2, topSpeed * speed[min(b.frames - 1, round(t * rate))]);
    for (const delay of [0, bogieMetres / v]) {
      const hit = impulseBurst(rng, rate, {
        centreHz: clickHz,
        q: 1.5,
        decaySeconds: 0.008,
        thumpHz: rng.uniform(50, 120),
        thumpGain: 2,
      });
      place(
        b,
        hit,
        round((t + delay) * rate),
        rng.uniform(-0.3, 0.3),
        dbToGain(o.impactsDb + rng.uniform(-4, 0)),
        0.2,
      );
    }
    t += jointMetres / v;
  }
}
