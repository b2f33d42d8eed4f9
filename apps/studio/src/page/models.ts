/**
 * The shipped checkpoints, fetched from the studio's own server (copied there by the build) and
 * loaded with core's `loadStateFromBytes`: the same manifest + safetensors files the Node
 * packages load, checked the same way (model name, config, sha256). Each model loads once.
 */
import { fetchCheckpoint, loadStateFromBytes, parseManifest } from '@moe-zoo/core';
import { AudioCheckpointConfigSchema, AudioTransformer } from '@moe-zoo/audio';
import { RestorationConfigSchema, RestorationNet } from '@moe-zoo/restoration';

/** The model names the checkpoints' manifests carry. */
const RESTORATION_MODEL = 'moe-zoo/restoration-net';
const AUDIO_MODEL = 'moe-zoo-audio-transformer';

async function loadRestoration(url: string): Promise<RestorationNet> {
  const bytes = await fetchCheckpoint(url);
  const config = RestorationConfigSchema.parse(parseManifest(bytes.manifest, `${url}manifest.json`).config);
  const net = new RestorationNet(config);
  await loadStateFromBytes(net, bytes, {
    expectModel: RESTORATION_MODEL,
    configSchema: RestorationConfigSchema,
  });
  return net.eval();
}

async function loadAudio(url: string): Promise<AudioTransformer> {
  const bytes = await fetchCheckpoint(url);
  const config = AudioCheckpointConfigSchema.parse(
    parseManifest(bytes.manifest, `${url}manifest.json`).config,
  );
  const model = new AudioTransformer(config);
  await loadStateFromBytes(model, bytes, {
    expectModel: AUDIO_MODEL,
    configSchema: AudioCheckpointConfigSchema,
  });
  model.eval();
  return model;
}

/** Loads `load(url)` once; later calls share the promise (a failure is retried next time). */
function once<T>(load: (url: string) => Promise<T>): (url: string) => Promise<T> {
  let pending: Promise<T> | undefined;
  return (url) => {
    pending ??= load(url).catch((e: unknown) => {
      pending = undefined;
      throw e;
    });
    return pending;
  };
}

/** The restoration net (`mofme-deweather`) from its checkpoint folder's URL. */
export const restorationModel = once(loadRestoration);
/** The spoken-digit classifier (`spoken-digits-moe`) from its checkpoint folder's URL. */
export const digitModel = once(loadAudio);
