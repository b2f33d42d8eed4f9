/**
 * Model cards: what a shipped model is for, how it was trained and how good it measured
 * (`card.json` beside the checkpoint, plus a `README.md` rendering of it for people).
 */
import { existsSync } from 'fs';
import * as path from 'path';
import { z } from 'zod';
import { writeFileAtomic } from '../io/atomic';
import { MAX_MANIFEST_BYTES, readChecked } from '../io/checkpoint';
import { ConfigError, parseConfig } from '../config/parse';

/** One measured quality figure: a value with its 95% interval where one was computed. */
export const QualitySchema = z.strictObject({
  /** What was measured, e.g. `accuracy` or `PSNR gain (dB)`. */
  metric: z.string().min(1),
  value: z.number(),
  /** 95% interval of the value; absent when the measurement has none (one figure, no items). */
  lo: z.number().optional(),
  hi: z.number().optional(),
  /** The data it was measured on, e.g. `1,000 held-out test items`. */
  on: z.string().min(1),
  /** How the interval was computed, e.g. `bootstrap over items`. */
  interval: z.string().optional(),
});

/** The card of a shipped model (`card.json`). */
export const ModelCardSchema = z.strictObject({
  /** The name `loadPretrained` takes, e.g. `mofme-deweather`. */
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
  /** The npm package that ships it. */
  package: z.string().min(1),
  /** One line: what it does. */
  task: z.string().min(1),
  /** The checkpoint's model format (manifest `model`). */
  model: z.string().min(1),
  /** The paper whose design it follows. */
  paper: z.string().optional(),
  data: z.strictObject({ name: z.string().min(1), licence: z.string().min(1), source: z.string().min(1) }),
  recipe: z.strictObject({
    /** The command that retrains it (same weights for the same seed on the same backend). */
    command: z.string().min(1),
    seed: z.number().int(),
    backend: z.string().min(1),
    steps: z.number().int().nonnegative(),
    trainSeconds: z.number().nonnegative(),
    /** Anything else that defines the run (sizes, learning rate, ...). */
    settings: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
  }),
  params: z.strictObject({ total: z.number().int().positive(), active: z.number().int().positive() }),
  quality: z.array(QualitySchema).min(1),
  intendedUse: z.string().min(1),
  limits: z.array(z.string().min(1)).min(1),
  /** The weights on disk: bytes of `model.safetensors` and the dtype they are stored in. */
  storage: z.strictObject({ bytes: z.number().int().positive(), dtype: z.literal('F32') }),
  licence: z.string().min(1),
});

/** A parsed model card. */
export type ModelCard = z.output<typeof ModelCardSchema>;
/** A model card as written (defaults may be left out). */
export type ModelCardInput = z.input<typeof ModelCardSchema>;
/** One quality figure of a card. */
export type Quality = z.output<typeof QualitySchema>;

/** The card's file name inside a model folder. */
export const CARD_FILE = 'card.json';
/** The human-readable rendering of the card. */
export const CARD_README = 'README.md';

function fmt(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(Math.abs(x) >= 10 ? 2 : 3);
}

function qualityLine(q: Quality): string {
  const interval = q.lo !== undefined && q.hi !== undefined ? ` [${fmt(q.lo)}, ${fmt(q.hi)}]` : '';
  const how = q.interval ? `, 95% interval: ${q.interval}` : '';
  return `| ${q.metric} | ${fmt(q.value)}${interval} | ${q.on}${how} |`;
}

/** The card as Markdown (the `README.md` of the model folder). */
export function renderModelCard(card: ModelCard): string {
  const settings = Object.entries(card.recipe.settings).map(([k, v]) => `${k}=${v}`);
  return [
    `# ${card.name}`,
    '',
    `${card.task} (\`${card.package}\`, model format \`${card.model}\`${card.paper ? `, after ${card.paper}` : ''}).`,
    '',
    '## Use',
    '',
    '```ts',
    `const { model } = await loadPretrained('${card.name}'); // from '${card.package}'`,
    '```',
    '',
    card.intendedUse,
    '',
    '## Quality',
    '',
    '| metric | value [95% interval] | measured on |',
    '| --- | --- | --- |',
    ...card.quality.map(qualityLine),
    '',
    '## Limits',
    '',
    ...card.limits.map((l) => `- ${l}`),
    '',
    '## Recipe',
    '',
    `- command: \`${card.recipe.command}\``,
    `- seed ${card.recipe.seed}, backend ${card.recipe.backend}, ${card.recipe.steps} steps, ${fmt(card.recipe.trainSeconds)} s`,
    ...(settings.length ? [`- settings: ${settings.join(', ')}`] : []),
    '',
    '## Size',
    '',
    `- parameters: ${card.params.total} total, ${card.params.active} active per token`,
    `- weights: ${card.storage.bytes} bytes (${card.storage.dtype})`,
    '',
    '## Data and licence',
    '',
    `- data: ${card.data.name} (${card.data.source}; licence ${card.data.licence})`,
    `- model licence: ${card.licence}`,
    '',
  ].join('\n');
}

/**
 * Validates a card and writes `card.json` and its `README.md` into a model folder.
 *
 * @example
 * ```ts
 * await writeModelCard('packages/audio/models/digits-moe', card);
 * ```
 */
export async function writeModelCard(dir: string, card: ModelCardInput): Promise<ModelCard> {
  const parsed = parseConfig(ModelCardSchema, card, `model card ${path.join(dir, CARD_FILE)}`);
  await writeFileAtomic(path.join(dir, CARD_FILE), `${JSON.stringify(parsed, null, 2)}\n`);
  await writeFileAtomic(path.join(dir, CARD_README), renderModelCard(parsed));
  return parsed;
}

/** Reads and validates `card.json` of a model folder; undefined when the folder has none. */
export async function readModelCard(dir: string): Promise<ModelCard | undefined> {
  const file = path.join(dir, CARD_FILE);
  if (!existsSync(file)) return undefined;
  const text = (await readChecked(file, MAX_MANIFEST_BYTES)).toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`model card ${file}`, [
      { path: '', message: `not valid JSON (${(e as Error).message})` },
    ]);
  }
  return parseConfig(ModelCardSchema, json, `model card ${file}`);
}
