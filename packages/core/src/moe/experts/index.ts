export * from './bank';
export * from './activation';
export * from './ffn-bank';
export * from './swiglu-bank';
export * from './lora-bank';
export { MpoBankOptionsSchema } from './mpo-options';
export { MpoExperts, type MpoBankOptions } from './mpo-bank';
export { mpoExpertsFromFfn, type MpoFromFfnOptions } from './mpo-from-ffn';
export { mpoFromDense, mpoToDense, mpoBonds, balancedFactors, type Mpo, type MpoLayout } from './mpo';
