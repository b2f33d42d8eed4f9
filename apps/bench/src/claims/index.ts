export { combineVerdicts, findRow, isLegacy, makeClaim } from './claim';
export {
  comparePart,
  everySeedPart,
  exactPart,
  itemValues,
  notRunPart,
  pairedPart,
  PERMUTATION_ALPHA,
  permutationPart,
  seedValues,
  timingPart,
  verdictOf,
  type CompareSpec,
  type PairedEvidence,
} from './part';
export { describePart, describeRule, describeTest, verdictLabel } from './describe';
