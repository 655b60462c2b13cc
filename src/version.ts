/** The package version, kept here so `mc --version` needs no file read; a test keeps it equal to package.json. */
export const VERSION = '0.1.0';
