/** Type-checks README examples (strict) against the installed packages and emits them as CommonJS. */
import * as fs from 'fs';
import * as path from 'path';
import ts from 'typescript';
import { exampleName, type ReadmeExample } from './extract';

/** The options every example is checked with: the workspace's strict settings, one module per file. */
export const EXAMPLE_COMPILER_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.CommonJS,
  moduleResolution: ts.ModuleResolutionKind.Node10,
  moduleDetection: ts.ModuleDetectionKind.Force,
  lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
  types: ['node'],
  strict: true,
  esModuleInterop: true,
  skipLibCheck: true,
  noEmitOnError: true,
};

/** The compiled examples: the JavaScript file of each (by {@link exampleName}) and every diagnostic. */
export interface CompiledExamples {
  files: Map<string, string>;
  diagnostics: string[];
}

/**
 * Writes each example to `<outDir>/<name>.ts` and compiles them in one program. `outDir` must be
 * inside the workspace, so that `@moe-zoo/*` resolves from its node_modules as it does for a user.
 * Diagnostics name the README and the line in it.
 */
export function compileExamples(examples: readonly ReadmeExample[], outDir: string): CompiledExamples {
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(outDir, { recursive: true });
  const sources = new Map<string, ReadmeExample>();
  for (const e of examples) {
    const file = path.join(outDir, `${exampleName(e)}.ts`);
    fs.writeFileSync(file, e.code);
    sources.set(path.resolve(file), e);
  }
  const program = ts.createProgram([...sources.keys()], {
    ...EXAMPLE_COMPILER_OPTIONS,
    outDir,
    rootDir: outDir,
  });
  const emitted = program.emit();
  // With noEmitOnError the emit repeats the pre-emit errors: each is reported once.
  const all = [...ts.getPreEmitDiagnostics(program), ...emitted.diagnostics].map((d) => {
    const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    const e = d.file ? sources.get(path.resolve(d.file.fileName)) : undefined;
    if (!d.file || d.start === undefined) return text;
    const { line } = d.file.getLineAndCharacterOfPosition(d.start);
    return e ? `${e.readme}:${e.line + 1 + line}: ${text}` : `${d.file.fileName}:${line + 1}: ${text}`;
  });
  const diagnostics = [...new Set(all)];
  const files = new Map<string, string>();
  for (const e of examples) files.set(exampleName(e), path.join(outDir, `${exampleName(e)}.js`));
  return { files, diagnostics };
}
