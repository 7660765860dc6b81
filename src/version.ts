/** dagrun's version, as `dagrun --version` prints it and the npm package is published. */
export const VERSION = "0.1.0";
