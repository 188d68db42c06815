/** The default root's name, shared by every mode. */
/** The single root used when `roots` is not set (also the root of stacks made before rotation existed). */
export const DEFAULT_ROOT_NAME = "primary";
