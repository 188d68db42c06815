/** Certificate alert settings. */
import { AlertSettings } from "../certificateAlerts";
import { formatDuration } from "../duration";
import { readLabels } from "./meshPolicy";
import { IntermediateCaSettings } from "./model";
import { ConfigReader, fullKey } from "./reader";

/** Shortest alert window taken. */
export const ALERT_WINDOW_MIN = {
    ms: 60000,
    why: "the rules count whole seconds of metrics scraped about once a minute, so a shorter window rounds towards 0 s and the alert would never fire",
};

export function readAlerts(reader: ConfigReader, intermediateCa: IntermediateCaSettings): AlertSettings {
    // Off by default: a plain cluster has no PrometheusRule CRD (the Prometheus Operator's).
    const enabled = reader.boolean("alertsEnabled", false);
    // Unset windows follow the CA lifetimes, so that short test lifetimes need no alert settings.
    const defaults = {
        renewalMarginMs: Math.min(24 * 3600000, Math.floor(intermediateCa.renewBeforeMs / 4)),
        rootExpiryWindowMs: Math.min(2160 * 3600000, Math.floor(intermediateCa.validityMs / 2)),
    };
    if (!enabled) {
        for (const key of ["alertRenewalMargin", "alertRootExpiryWindow", "alertRuleLabels"]) {
            if (reader.has(key))
                reader.problem(
                    key,
                    `is set but ${fullKey("alertsEnabled")} is false (the default), so it would be ignored`,
                    `remove ${fullKey(key)}, or set ${fullKey("alertsEnabled")} to true (needs the Prometheus Operator's PrometheusRule CRD).`,
                );
        }
        return { enabled, ...defaults, ruleLabels: {} };
    }
    const renewalMarginMs = reader.has("alertRenewalMargin") ? reader.duration("alertRenewalMargin", "24h", { min: ALERT_WINDOW_MIN }) : defaults.renewalMarginMs;
    const rootExpiryWindowMs = reader.has("alertRootExpiryWindow") ? reader.duration("alertRootExpiryWindow", "2160h", { min: ALERT_WINDOW_MIN }) : defaults.rootExpiryWindowMs;
    if (reader.has("alertRenewalMargin") && renewalMarginMs * 2 >= intermediateCa.renewBeforeMs) {
        reader.problem(
            "alertRenewalMargin",
            `is not shorter than half of the intermediate's renewBefore window (${formatDuration(intermediateCa.renewBeforeMs)}), so the "renewal overdue" warning would not come before the page at half that window`,
            `set ${fullKey("alertRenewalMargin")} below ${formatDuration(intermediateCa.renewBeforeMs / 2)}, or raise ${fullKey("intermediateRenewBefore")}.`,
        );
    }
    if (reader.has("alertRootExpiryWindow") && rootExpiryWindowMs >= intermediateCa.validityMs) {
        reader.problem(
            "alertRootExpiryWindow",
            `is not shorter than the intermediate's lifetime (${formatDuration(intermediateCa.validityMs)}), when the root expiry warning fires, so the page would come before the warning`,
            `set ${fullKey("alertRootExpiryWindow")} below ${formatDuration(intermediateCa.validityMs)}, e.g. "2160h" (90 days).`,
        );
    }
    const rawLabels = reader.json("alertRuleLabels");
    const ruleLabels = rawLabels === undefined ? {} : (readLabels(reader, "alertRuleLabels", "", rawLabels, "labels") ?? {});
    return { enabled, renewalMarginMs, rootExpiryWindowMs, ruleLabels };
}
