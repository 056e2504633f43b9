/**
 * Loads a database driver when its subpath (`leasehold/sqlite`, `leasehold/mysql`) is
 * imported. The drivers are optional peer dependencies: an app installs the one it uses, and
 * importing the other subpath fails at once with the package to install, instead of a bare
 * "Cannot find module". Loaded synchronously (both drivers are CommonJS), so the subpaths stay
 * free of top-level await and load through `require` too.
 */
import { createRequire } from 'node:module';
const requireFromHere = createRequire(import.meta.url);
/** The error a subpath's import fails with when its driver is not installed. */
export class DriverMissingError extends Error {
    packageName;
    name = 'DriverMissingError';
    constructor(packageName, subpath, options) {
        super(`${subpath} needs the ${packageName} package, which is not installed: run \`npm install ${packageName}\``, options);
        this.packageName = packageName;
    }
}
/**
 * `require(specifier)`, or DriverMissingError naming `packageName` when it is not installed.
 * @example const mysql = loadDriver<typeof import('mysql2/promise')>('mysql2/promise', 'mysql2', 'leasehold/mysql');
 */
export function loadDriver(specifier, packageName, subpath) {
    try {
        return requireFromHere(specifier);
    }
    catch (e) {
        const code = e.code;
        if (code === 'MODULE_NOT_FOUND' && String(e.message).includes(`'${specifier}'`))
            throw new DriverMissingError(packageName, subpath, { cause: e });
        throw e;
    }
}
//# sourceMappingURL=load-driver.js.map