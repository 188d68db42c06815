import { tlsEmulators } from "./tls";
import { Emulator } from "./types";
import { vaultEmulators } from "./vault";

export * from "./types";

/** Every emulated resource type; types not listed echo their inputs as outputs. */
export const EMULATORS: Record<string, Emulator> = {
    ...tlsEmulators,
    ...vaultEmulators,
};
