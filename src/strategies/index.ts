import { CA_MODE_RECORDS, CaMode } from "../caModes";
import { certManagerCa } from "./certManager";
import { istiodSelfSigned } from "./istiod";
import { kubernetesCsr } from "./kubernetes";
import { pluginCa } from "./plugin";
import { vaultCa, vaultShared } from "./vault";
import { sharedRoots } from "./sharedRoots";
import { CaStrategy } from "./types";

export * from "./types";

/** The strategy of each CA mode. */
export const STRATEGIES: { readonly [M in CaMode]: CaStrategy } = {
    istiod: { ...CA_MODE_RECORDS.istiod, deploy: istiodSelfSigned },
    plugin: { ...CA_MODE_RECORDS.plugin, deploy: pluginCa, deployShared: sharedRoots },
    "cert-manager": { ...CA_MODE_RECORDS["cert-manager"], deploy: certManagerCa, deployShared: sharedRoots },
    kubernetes: { ...CA_MODE_RECORDS.kubernetes, deploy: kubernetesCsr, deployShared: sharedRoots },
    vault: { ...CA_MODE_RECORDS.vault, deploy: vaultCa, deployShared: vaultShared },
};
