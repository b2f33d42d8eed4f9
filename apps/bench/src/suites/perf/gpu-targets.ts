/** Whether this run can measure the perf suite's GPU targets, and if not, why. */
import { describeAdapter, describeBackend, type BackendInfo } from '@moe-zoo/core';
import type { GpuTargetInput } from './claims';
import type { PerfPlan } from './plan';

/**
 * The {@link GpuTargetInput} of a run: the targets are measured only on a hardware adapter (not a
 * software / fallback one: lavapipe, SwiftShader) at the target sizes (not `--tiny`). `idle` is
 * the idle flag of the layer timing at the targets' token count.
 */
export function gpuTargetInput(backend: BackendInfo, plan: PerfPlan, idle: boolean): GpuTargetInput {
  const adapter = backend.adapter;
  const why = !adapter
    ? `no GPU adapter (backend ${backend.name})`
    : adapter.fallback
      ? `${describeAdapter(adapter)} is a software adapter, not a GPU`
      : 'tiny sizes (--tiny)';
  return { realGpu: !!adapter && !adapter.fallback && !plan.tiny, ran: describeBackend(backend), why, idle };
}
