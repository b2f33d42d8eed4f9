export { type BundleEntry, type BundleOptions, type BrowserBundle, bundleForBrowser } from './bundle';
export { runInBareContext } from './bare-context';
export { findChromium } from './find-chromium';
