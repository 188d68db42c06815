import { CaMode } from "../config";
import { certManagerCa } from "./certManager";
import { istiodSelfSigned } from "./istiod";
import { kubernetesCsr } from "./kubernetes";
import { pluginCa } from "./plugin";
import { vaultCa } from "./vault";
import { CaStrategy } from "./types";

export * from "./types";

/** The strategy of each CA mode. */
export const STRATEGIES: Record<CaMode, CaStrategy> = {
    istiod: istiodSelfSigned,
    plugin: pluginCa,
    "cert-manager": certManagerCa,
    kubernetes: kubernetesCsr,
    vault: vaultCa,
};
