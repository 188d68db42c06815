import { strict as assert } from "assert";
import { istiodHoldsCa } from "../src/config";
import { byType, planConfig } from "./helpers";
import { VAULT_BASE } from "./vaultTypes";

/** Names of the rule groups in a plan's PrometheusRule. */
async function ruleGroups(values: Record<string, string>): Promise<string[]> {
    const plan = await planConfig({ ...values, alertsEnabled: "true" });
    const [rule] = byType(plan, "kubernetes:monitoring.coreos.com/v1:PrometheusRule");
    return ((rule.inputs.spec as any).groups as { name: string }[]).map((group) => group.name);
}

describe("certificate alerts follow who signs", () => {
    it("knows where istiod holds a CA", () => {
        assert.equal(istiodHoldsCa({ caMode: "istiod" }), true);
        assert.equal(istiodHoldsCa({ caMode: "plugin" }), true);
        assert.equal(istiodHoldsCa({ caMode: "cert-manager", certManager: { delivery: "cacerts" } as any }), true);
        assert.equal(istiodHoldsCa({ caMode: "cert-manager", certManager: { delivery: "istio-csr" } as any }), false);
        assert.equal(istiodHoldsCa({ caMode: "vault", certManager: { delivery: "cacerts" } as any }), true);
        assert.equal(istiodHoldsCa({ caMode: "vault", certManager: { delivery: "istio-csr" } as any }), false);
        assert.equal(istiodHoldsCa({ caMode: "kubernetes" }), false);
    });

    it("watches istiod's CA metrics in plug-in mode, with no cert-manager rules", async () => {
        assert.deepEqual(await ruleGroups({ caMode: "plugin" }), ["istio-ca.istiod"]);
    });

    it("watches istiod and cert-manager when cert-manager issues istiod's cacerts", async () => {
        assert.deepEqual(await ruleGroups({ caMode: "cert-manager" }), ["istio-ca.istiod", "istio-ca.cert-manager"]);
    });

    it("drops the citadel_server_* rules with istio-csr, where istiod's CA server is off", async () => {
        assert.deepEqual(await ruleGroups({ caMode: "cert-manager", certManagerDelivery: "istio-csr" }), ["istio-ca.cert-manager"]);
        assert.deepEqual(await ruleGroups({ ...VAULT_BASE, certManagerDelivery: "istio-csr" }), ["istio-ca.cert-manager"]);
    });

    it("drops them when istiod is only a registration authority", async () => {
        assert.deepEqual(await ruleGroups({ caMode: "kubernetes" }), ["istio-ca.cert-manager"]);
    });
});

describe("cert-manager expiry alert with short-lived certificates", () => {
    it("pages relative to each Certificate's own renewal window, not a fixed 360h", async () => {
        const plan = await planConfig({ caMode: "cert-manager", certManagerDelivery: "istio-csr", alertsEnabled: "true" });
        const [rule] = byType(plan, "kubernetes:monitoring.coreos.com/v1:PrometheusRule");
        const expiring = ((rule.inputs.spec as any).groups as { rules: { alert: string; expr: string }[] }[])
            .flatMap((g) => g.rules)
            .find((r) => r.alert === "CertManagerMeshCertificateExpiring")!;
        // istio-csr's istiod Certificate lives 1h: a fixed threshold in the hundreds of hours would always fire.
        assert.match(expiring.expr, /certmanager_certificate_renewal_timestamp_seconds/);
        assert.doesNotMatch(expiring.expr, /< \d{4,}/);
    });
});
