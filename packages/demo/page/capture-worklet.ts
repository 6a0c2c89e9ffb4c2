// The microphone's AudioWorklet (bundled on its own as capture-worklet.js): forwards the
// input's samples to the page in blocks, one Float32Array per channel.

declare class AudioWorkletProcessor {
  readonly port: MessagePort;
}
declare function registerProcessor(name: string, processor: typeof AudioWorkletProcessor): void;

/** Render quanta (128 frames each) gathered per message: 16 = 2048 frames, 43 ms at 48 kHz. */
const QUANTA_PER_MESSAGE = 16;

class CaptureProcessor extends AudioWorkletProcessor {
  private blocks: Float32Array[][] = [];

  process(inputs: Float32Array[][]): boolean {
    const input = inputs[0];
    if (input && input.length > 0) {
      this.blocks.push(input.map((channel) => channel.slice()));
      if (this.blocks.length === QUANTA_PER_MESSAGE) {
        const channels = this.blocks[0].length;
        const frames = this.blocks.reduce((n, b) => n + b[0].length, 0);
        const out = Array.from({ length: channels }, () => new Float32Array(frames));
        let at = 0;
        for (const block of this.blocks) {
          for (let c = 0; c < channels; c++) out[c].set(block[Math.min(c, block.length - 1)], at);
          at += block[0].length;
        }
        this.blocks = [];
        this.port.postMessage(
          out,
          out.map((c) => c.buffer),
        );
      }
    }
    return true;
  }
}

registerProcessor('asc-capture', CaptureProcessor);
