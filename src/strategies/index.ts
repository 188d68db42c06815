import { CaMode } from "../config";
import { certManagerCa } from "./certManager";
import { istiodSelfSigned } from "./istiod";
import { pluginCa } from "./plugin";
import { vaultCa } from "./vault";
import { CaStrategy } from "./types";

export * from "./types";

/** The strategy of each CA mode; modes without an entry are refused by the config model. */
export const STRATEGIES: Partial<Record<CaMode, CaStrategy>> = {
    istiod: istiodSelfSigned,
    plugin: pluginCa,
    "cert-manager": certManagerCa,
    vault: vaultCa,
};
