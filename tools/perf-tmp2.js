const tf = require('@tensorflow/tfjs');
const { registerNativeKernels } = require('@asc/native');
const { resolveModel, foldBatchNorms } = require('@asc/zoo');
(async () => {
  tf.enableProdMode(); await tf.setBackend('cpu'); registerNativeKernels(tf, { threads: 2 });
  const model = foldBatchNorms(tf, resolveModel('B').build(tf, { seed: 1, init: 'pytorch' }));
  const [h, w, c] = model.inputs[0].shape.slice(1);
  const xs = new Float32Array(64 * h * w * c).map(() => -40 + 15 * Math.random());
  const meanT = tf.tensor4d(new Float32Array(w * c).fill(-40), [1, 1, w, c]);
  const scaleT = tf.tensor4d(new Float32Array(w * c).fill(15), [1, 1, w, c]);
  const step = () => tf.tidy(() => tf.sigmoid(model.predict(tf.div(tf.sub(tf.tensor4d(xs, [64, h, w, c]), meanT), scaleT), { batchSize: 64 })).dataSync());
  for (let i = 0; i < 3; i++) step();
  const t0 = Date.now(); const c0 = process.cpuUsage();
  for (let i = 0; i < 15; i++) step();
  const cu = process.cpuUsage(c0);
  console.log('ms/batch', (Date.now() - t0) / 15, 'cpu ms/batch', (cu.user + cu.system) / 1000 / 15);
})();
