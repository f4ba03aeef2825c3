// The peer in bench:face: @vladmandic/face-api (face-api.js's maintained fork) on
// @tensorflow/tfjs-backend-wasm, in its own process, on the same photos as kuzet's engine.
// Usage: node bench/face/face-api.peer.js <rounds> <photo.jpg>...  -> one JSON line on stdout.
// Each photo: decode (sharp, RGB, as kuzet), SSD MobileNet v1 detection (its defaults), 68 landmarks
// and the 128-d descriptor of every face: the same work as `kuzet face analyze`.
const { readFileSync } = require('node:fs');
const { dirname, join } = require('node:path');
const { performance } = require('node:perf_hooks');
const sharp = require('sharp');
const tf = require('@tensorflow/tfjs');
require('@tensorflow/tfjs-backend-wasm'); // registers 'wasm'; in Node its .wasm files load from disk
const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js');

async function main() {
  const [roundsArg, ...files] = process.argv.slice(2);
  const rounds = Number(roundsArg);
  await tf.setBackend('wasm');
  await tf.ready();
  const models = join(dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
  await faceapi.nets.ssdMobilenetv1.loadFromDisk(models);
  await faceapi.nets.faceLandmark68Net.loadFromDisk(models);
  await faceapi.nets.faceRecognitionNet.loadFromDisk(models);
  const photos = files.map((file) => readFileSync(file));
  const analyse = async (bytes) => {
    const { data, info } = await sharp(bytes)
      .rotate()
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const tensor = tf.tensor3d(data, [info.height, info.width, 3], 'int32');
    try {
      return await faceapi
        .detectAllFaces(tensor, new faceapi.SsdMobilenetv1Options())
        .withFaceLandmarks()
        .withFaceDescriptors();
    } finally {
      tensor.dispose();
    }
  };
  await analyse(photos[0]); // warm-up: kernels compiled, weights on the heap
  const msPerPhoto = [];
  const cpuMsPerPhoto = [];
  let faces = 0;
  for (let round = 0; round < rounds; round++) {
    for (const bytes of photos) {
      const cpu = process.cpuUsage();
      const started = performance.now();
      faces += (await analyse(bytes)).length;
      msPerPhoto.push(performance.now() - started);
      const used = process.cpuUsage(cpu);
      cpuMsPerPhoto.push((used.user + used.system) / 1000);
    }
  }
  process.stdout.write(
    `${JSON.stringify({
      peer: `@vladmandic/face-api ${faceapi.version} on @tensorflow/tfjs-backend-wasm ${tf.version_core}`,
      backend: tf.getBackend(),
      facesPerPhoto: faces / (rounds * photos.length),
      msPerPhoto,
      cpuMsPerPhoto,
    })}\n`,
  );
}

main().catch((error) => {
  process.stderr.write(`${error && error.stack ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
