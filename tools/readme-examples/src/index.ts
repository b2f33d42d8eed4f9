export {
  endingProblem,
  exampleName,
  MAIN_ENDING,
  readmeExamples,
  workspaceReadmes,
  type Directive,
  type ReadmeExample,
} from './extract';
export { compileExamples, EXAMPLE_COMPILER_OPTIONS, type CompiledExamples } from './compile';
export { runExample, type ExampleRun } from './run';
