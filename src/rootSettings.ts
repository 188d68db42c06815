/**
 * The settings each root is made with. The root settings in config (`rootKeyAlgorithm`,
 * `rootValidity`, `rootCommonName`, `organization`) describe the newest root; a root that already
 * exists keeps the parameters the rotation state recorded for it, since none of them can change on
 * a live root (the guard refuses config that no longer matches the newest root).
 */
import type { CaCertSettings, RootParameters, StackModel } from "./config";
import { toHoursCeil } from "./duration";

/** The parameters a root made with these settings has. */
export function rootParametersOf(settings: CaCertSettings, maxPathLength: number | null): RootParameters {
    return {
        commonName: settings.commonName,
        organization: settings.organization,
        keyAlgorithm: settings.keyAlgorithm,
        validityHours: toHoursCeil(settings.validityMs),
        maxPathLength,
    };
}

/** The settings to make `root` with: its recorded parameters if it exists, else `defaults` (the config's). */
export function rootCaSettings(model: Pick<StackModel, "rotation">, root: string, defaults: CaCertSettings): CaCertSettings {
    const recorded = model.rotation.rootParameters?.[root];
    if (!recorded) return defaults;
    return {
        keyAlgorithm: recorded.keyAlgorithm as CaCertSettings["keyAlgorithm"],
        validityMs: recorded.validityHours * 3600000,
        commonName: recorded.commonName,
        organization: recorded.organization,
    };
}
