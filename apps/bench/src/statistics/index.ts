export {
  tCdf,
  tQuantile,
  normalQuantile,
  incompleteBeta,
  binomialTwoSidedP,
  betaQuantile,
  clopperPearson,
} from './distributions';
export {
  pairedT,
  mcnemar,
  pairedItems,
  timingRatio,
  exact,
  type PairedDifference,
  type PairedTest,
} from './paired';
export { decide, type Verdict, type ClaimKind } from './verdict';
