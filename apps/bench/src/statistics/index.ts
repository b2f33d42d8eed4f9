export { tCdf, tQuantile, normalQuantile, incompleteBeta, binomialTwoSidedP } from './distributions';
export { pairedT, mcnemar, pairedItems, type PairedDifference, type PairedTest } from './paired';
export { decide, type Verdict, type ClaimKind } from './verdict';
