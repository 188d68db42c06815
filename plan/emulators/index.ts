import { tlsEmulators } from "./tls";
import { Emulator } from "./types";
import { resetVaultEmulators, vaultEmulators } from "./vault";

export * from "./types";

/** Every emulated resource type; types not listed echo their inputs as outputs. */
export const EMULATORS: Record<string, Emulator> = {
    ...tlsEmulators,
    ...vaultEmulators,
};

/** Clears emulator state kept between resources of one plan; run at the start of every plan. */
export const EMULATOR_RESETS: (() => void)[] = [resetVaultEmulators];
