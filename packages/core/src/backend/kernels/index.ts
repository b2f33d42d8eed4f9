import { tf } from '../../tf';

/** Registers the kernels the wasm backend lacks for training. Safe to call twice. */
export function registerWasmTrainingKernels(): void {
  void tf; // filled in by the kernels work
}
