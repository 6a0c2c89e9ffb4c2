/** What the browser gave us for the microphone. */
export interface MicrophoneInfo {
  label: string;
  channels: 1 | 2;
  /** The rate the page receives (the AudioContext's; the browser resamples to it). */
  sampleRateHz: number;
  /** The device's own rate, when the browser says. */
  deviceRateHz: number | null;
}

/**
 * Captures the microphone at `rateHz` through an AudioWorklet, handing the page blocks of
 * samples (one array per channel). Echo cancellation, noise suppression and automatic
 * gain are turned off: the model was trained on recordings, not on a call's processed
 * voice channel.
 */
export class Microphone {
  private constructor(
    private readonly stream: MediaStream,
    private readonly context: AudioContext,
    private readonly node: AudioWorkletNode,
    readonly info: MicrophoneInfo,
  ) {}

  static async start(
    rateHz: number,
    onBlock: (channels: Float32Array[]) => void,
  ): Promise<Microphone> {
    if (!navigator.mediaDevices?.getUserMedia) {
      throw new Error('this browser gives no microphone access here (a secure context is needed)');
    }
    const stream = await navigator.mediaDevices.getUserMedia({
      audio: {
        channelCount: { ideal: 2 },
        echoCancellation: false,
        noiseSuppression: false,
        autoGainControl: false,
      },
    });
    const track = stream.getAudioTracks()[0];
    const settings = track.getSettings();
    const channels: 1 | 2 = (settings.channelCount ?? 1) >= 2 ? 2 : 1;
    const context = new AudioContext({ sampleRate: rateHz, latencyHint: 'interactive' });
    try {
      await context.audioWorklet.addModule('capture-worklet.js');
      const source = context.createMediaStreamSource(stream);
      const node = new AudioWorkletNode(context, 'asc-capture', {
        numberOfInputs: 1,
        numberOfOutputs: 1,
        outputChannelCount: [1],
        channelCount: channels,
        channelCountMode: 'explicit',
        channelInterpretation: 'speakers',
      });
      node.port.onmessage = (e: MessageEvent<Float32Array[]>) => onBlock(e.data);
      source.connect(node);
      // Pulled by the destination so that it runs; its output is silence.
      node.connect(context.destination);
      await context.resume();
      return new Microphone(stream, context, node, {
        label: track.label || 'microphone',
        channels,
        sampleRateHz: context.sampleRate,
        deviceRateHz: settings.sampleRate ?? null,
      });
    } catch (err) {
      stream.getTracks().forEach((t) => t.stop());
      await context.close();
      throw err;
    }
  }

  async stop(): Promise<void> {
    this.node.port.onmessage = null;
    this.node.disconnect();
    this.stream.getTracks().forEach((t) => t.stop());
    await this.context.close();
  }
}
