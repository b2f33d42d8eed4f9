import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { compileExamples, endingProblem, exampleName, MAIN_ENDING, readmeExamples, runExample } from '../src';

const README = [
  '# x',
  '',
  '```sh',
  'npm i x',
  '```',
  '',
  '```ts',
  "console.log('one');",
  '```',
  '',
  '<!-- readme-example: args a.txt b -->',
  '```ts',
  'console.log(process.argv.slice(2).join(" "));',
  '```',
  '',
  '<!-- readme-example: no-run needs the network -->',
  '```typescript',
  'const n: number = 1;',
  '```',
  '',
  '````md',
  '```ts',
  'not an example: inside a markdown block',
  '```',
  '````',
].join('\n');

describe('readmeExamples', () => {
  it('takes every ts block verbatim, with its line and the directive above it', () => {
    const found = readmeExamples('tools/x/README.md', README);
    expect(found.map((e) => [e.index, e.line, e.code, e.directive])).toEqual([
      [1, 7, "console.log('one');\n", undefined],
      [2, 12, 'console.log(process.argv.slice(2).join(" "));\n', { kind: 'args', args: ['a.txt', 'b'] }],
      [3, 17, 'const n: number = 1;\n', { kind: 'no-run', reason: 'needs the network' }],
    ]);
    expect(exampleName(found[1])).toBe('tools-x-2');
    expect(exampleName({ readme: 'README.md', index: 1 })).toBe('root-1');
  });

  it('refuses an unreadable directive, a no-run without a reason and an unclosed block', () => {
    expect(() => readmeExamples('R.md', '<!-- readme-example: skip -->\n```ts\nx\n```\n')).toThrow(
      'R.md:2: unreadable directive',
    );
    expect(() => readmeExamples('R.md', '<!-- readme-example: no-run -->\n```ts\nx\n```\n')).toThrow(
      'no-run needs a reason',
    );
    expect(() => readmeExamples('R.md', '```ts\nx\n')).toThrow('R.md:1: code block never closed');
  });
});

describe('endingProblem', () => {
  const body = 'async function main() {\n  await Promise.resolve();\n}\n';
  it('accepts an async main that ends in the catch-and-exit ending, and code without a main', () => {
    expect(endingProblem(body + MAIN_ENDING)).toBeUndefined();
    expect(endingProblem("console.log('no main');\n")).toBeUndefined();
  });
  it('rejects a bare main() call and a catch that does not exit non-zero', () => {
    expect(endingProblem(body + 'main();\n')).toContain('does not end in');
    expect(endingProblem(body + 'main().catch(console.error);\n')).toContain('does not end in');
  });
});

describe('compileExamples and runExample', () => {
  it('reports a type error at its README line, and runs what compiles in the folder given', async () => {
    fs.mkdirSync(path.join(__dirname, '..', 'dist'), { recursive: true });
    const out = fs.mkdtempSync(path.join(__dirname, '..', 'dist', 'extract-test-'));
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'readme-example-test-'));
    try {
      const examples = readmeExamples(
        'R.md',
        [
          '```ts',
          "import * as fs from 'fs';",
          "fs.writeFileSync('out.txt', process.argv[2]);",
          '```',
          '',
          '```ts',
          'const n: number = 1;',
          'const s: string = n;',
          '```',
        ].join('\n'),
      );
      const bad = compileExamples(examples, out);
      expect(bad.diagnostics).toEqual([
        expect.stringMatching(/^R\.md:8: Type 'number' is not assignable to type 'string'/),
      ]);

      const good = compileExamples(examples.slice(0, 1), out);
      expect(good.diagnostics).toEqual([]);
      const run = await runExample(good.files.get('root-1') ?? '', cwd, ['written']);
      expect(run.code).toBe(0);
      expect(fs.readFileSync(path.join(cwd, 'out.txt'), 'utf8')).toBe('written');
      // Without the argument writeFileSync throws: node exits non-zero and the error is on stderr.
      const failing = await runExample(good.files.get('root-1') ?? '', cwd);
      expect(failing.code).toBe(1);
      expect(failing.stderr).toContain('TypeError');
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
      fs.rmSync(cwd, { recursive: true, force: true });
    }
  });
});
