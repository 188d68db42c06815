import { strict as assert } from "assert";
import { parseStackConfig } from "../src/config";
import { AlertThresholds, alertThresholds, certificateAlertGroups, humanSeconds, promDuration } from "../src/certificateAlerts";
import { PlannedResource } from "../plan/engine";
import { validateCustomResource } from "./meshCrdFacts";
import { byType, configProblems, findResource, onlyConfigProblem, planConfig } from "./helpers";
import { metricNames, promqlErrors } from "./promql";

const H = 3600;
const D = 86400;

/** Metric names and types as the exporters define them (istiod security/pkg/server/ca/monitoring.go; cert-manager pkg/metrics). */
const KNOWN_METRICS = new Set([
    "citadel_server_root_cert_expiry_timestamp",
    "citadel_server_cert_chain_expiry_timestamp",
    "citadel_server_csr_sign_err_count",
    "citadel_server_success_cert_issuance_count",
    "certmanager_certificate_expiration_timestamp_seconds",
    "certmanager_certificate_renewal_timestamp_seconds",
    "certmanager_certificate_ready_status",
]);

const DEFAULT_THRESHOLDS: AlertThresholds = alertThresholds(
    { validityMs: 8760 * H * 1000, renewBeforeMs: 720 * H * 1000 },
    { validityMs: 87600 * H * 1000 },
    { ttlMs: 24 * H * 1000, gracePeriodRatio: 0.5 },
    { renewalMarginMs: 24 * H * 1000, rootExpiryWindowMs: 2160 * H * 1000 },
);

function allRules(certManager: boolean) {
    return certificateAlertGroups({ thresholds: DEFAULT_THRESHOLDS, certManager, certManagerNamespaces: ["istio-system", "cert-manager"] }).flatMap((g) => g.rules);
}

describe("alert thresholds", () => {
    it("derive from the default lifetimes, in seconds", () => {
        assert.deepEqual(DEFAULT_THRESHOLDS, {
            chainRenewalOverdueSec: 720 * H - 24 * H, // 29 days: renewal was due at 30 days
            chainCriticalSec: 360 * H, // half the renewBefore window
            rootWarningSec: 8760 * H, // one intermediate lifetime
            rootCriticalSec: 2160 * H,
            csrFailingForSec: H, // a quarter of the 12h grace, capped at 1h
            renewalMarginSec: 24 * H,
        });
    });

    it("follow short lifetimes", () => {
        const t = alertThresholds(
            { validityMs: 48 * H * 1000, renewBeforeMs: 16 * H * 1000 },
            { validityMs: 96 * H * 1000 },
            { ttlMs: H * 1000, gracePeriodRatio: 0.5 },
            { renewalMarginMs: 2 * H * 1000, rootExpiryWindowMs: 12 * H * 1000 },
        );
        assert.equal(t.chainRenewalOverdueSec, 14 * H);
        assert.equal(t.chainCriticalSec, 8 * H);
        assert.equal(t.rootWarningSec, 48 * H);
        assert.equal(t.csrFailingForSec, 450); // 1h * 0.5 / 4
        assert.ok(t.chainRenewalOverdueSec > t.chainCriticalSec && t.rootWarningSec > t.rootCriticalSec, "warnings come before pages");
    });

    it("keep the CSR paging delay between 5 minutes and 1 hour", () => {
        const csrFor = (ttlMs: number) =>
            alertThresholds({ validityMs: 1e9, renewBeforeMs: 1e8 }, { validityMs: 1e10 }, { ttlMs, gracePeriodRatio: 0.5 }, { renewalMarginMs: 1e6, rootExpiryWindowMs: 1e6 })
                .csrFailingForSec;
        assert.equal(csrFor(60 * 1000), 300);
        assert.equal(csrFor(1000 * H * 1000), H);
    });

    it("come from the stack config, with unset windows following the lifetimes", () => {
        const model = parseStackConfig({
            values: { caMode: "plugin", intermediateValidity: "48h", intermediateRenewBefore: "16h", maxWorkloadCertTtl: "12h", workloadCertTtl: "6h" },
            secretKeys: new Set(),
        });
        assert.equal(model.alerts.renewalMarginMs, 4 * H * 1000); // a quarter of renewBefore
        assert.equal(model.alerts.rootExpiryWindowMs, 24 * H * 1000); // half the intermediate's life
        const t = alertThresholds(model.intermediateCa, model.rootCa, model.workloadCerts, model.alerts);
        assert.equal(t.chainRenewalOverdueSec, 12 * H);
    });
});

describe("alert config", () => {
    it("reads the keys", () => {
        const model = parseStackConfig({
            values: { alertsEnabled: "true", alertRenewalMargin: "12h", alertRootExpiryWindow: "720h", alertRuleLabels: '{"release":"prom"}' },
            secretKeys: new Set(),
        });
        assert.deepEqual(model.alerts, { enabled: true, renewalMarginMs: 12 * H * 1000, rootExpiryWindowMs: 720 * H * 1000, ruleLabels: { release: "prom" } });
    });

    it("is off by default, since a plain cluster has no PrometheusRule CRD", () => {
        assert.equal(parseStackConfig({ values: {}, secretKeys: new Set() }).alerts.enabled, false);
    });

    it("refuses alert settings while alerts are off, saying what alerts need", () => {
        for (const key of ["alertRenewalMargin", "alertRootExpiryWindow", "alertRuleLabels"]) {
            const problem = onlyConfigProblem({ [key]: key === "alertRuleLabels" ? { release: "prom" } : "12h" }, key);
            assert.match(problem.message, /alertsEnabled is false/);
            assert.match(problem.fix, /set istio-ca:alertsEnabled to true \(needs the Prometheus Operator's PrometheusRule CRD\)/);
        }
    });

    it("rejects a margin that would put the warning after the page", () => {
        const [problem] = configProblems({ alertsEnabled: "true", alertRenewalMargin: "360h" });
        assert.equal(problem.key, "istio-ca:alertRenewalMargin");
        assert.equal(problem.value, '"360h"');
        assert.match(problem.fix, /below 360h/);
    });

    it("rejects a root window not shorter than the intermediate's life", () => {
        const problems = configProblems({ alertsEnabled: "true", alertRootExpiryWindow: "8760h" });
        assert.deepEqual(
            problems.map((p) => p.key),
            ["istio-ca:alertRootExpiryWindow"],
        );
        assert.match(problems[0].fix, /below 8760h/);
    });

    it("rejects malformed durations, booleans and labels", () => {
        assert.deepEqual(
            configProblems({ alertsEnabled: "true", alertRenewalMargin: "1d" }).map((p) => p.key),
            ["istio-ca:alertRenewalMargin"],
        );
        assert.deepEqual(
            configProblems({ alertsEnabled: "on" }).map((p) => p.key),
            ["istio-ca:alertsEnabled"],
        );
        assert.deepEqual(
            configProblems({ alertsEnabled: "true", alertRuleLabels: '["release"]' }).map((p) => p.key),
            ["istio-ca:alertRuleLabels"],
        );
        const [bad] = configProblems({ alertsEnabled: "true", alertRuleLabels: '{"release": "kube prometheus"}' });
        assert.equal(bad.key, "istio-ca:alertRuleLabels.release");
        assert.equal(bad.value, '"kube prometheus"');
    });
});

describe("alert rules", () => {
    it("formats Prometheus durations", () => {
        assert.deepEqual([0, 45, 300, 3600, 5400, 90061].map(promDuration), ["0", "45s", "5m", "1h", "1h30m", "25h1m1s"]);
        assert.throws(() => promDuration(1.5));
        assert.deepEqual([30 * D, 12 * H, 45 * 60, 7].map(humanSeconds), ["30d", "12h", "45m", "7s"]);
    });

    for (const certManager of [false, true]) {
        it(`parse as PromQL and use only real metrics (certManager=${certManager})`, () => {
            const rules = allRules(certManager);
            assert.ok(rules.length > 0, "some rules to check");
            for (const rule of rules) {
                assert.deepEqual(promqlErrors(rule.expr), [], `${rule.alert}: ${rule.expr}`);
                const names = metricNames(rule.expr);
                assert.ok(names.length > 0, rule.alert);
                for (const name of names) assert.ok(KNOWN_METRICS.has(name), `${rule.alert} uses unknown metric ${name}`);
            }
        });
    }

    it("the PromQL check does catch broken expressions and made-up names", () => {
        assert.ok(promqlErrors("sum(rate(x[5m]) >").length > 0);
        assert.ok(promqlErrors("min(x) - time() < ").length > 0);
        assert.ok(!KNOWN_METRICS.has(metricNames("citadel_server_csr_sign_err_count_total")[0]));
    });

    it("put the thresholds into the expressions", () => {
        const byName = Object.fromEntries(allRules(true).map((r) => [r.alert, r]));
        assert.equal(byName.IstioCaIntermediateRenewalOverdue.expr, `min(citadel_server_cert_chain_expiry_timestamp > 0) - time() < ${696 * H}`);
        assert.equal(byName.IstioCaIntermediateExpiring.expr, `min(citadel_server_cert_chain_expiry_timestamp > 0) - time() < ${360 * H}`);
        assert.equal(byName.IstioCaRootExpiring.expr, `min(citadel_server_root_cert_expiry_timestamp > 0) - time() < ${2160 * H}`);
        assert.equal(byName.IstioCaRootExpiryApproaching.expr, `min(citadel_server_root_cert_expiry_timestamp > 0) - time() < ${8760 * H}`);
        assert.equal(byName.IstioCaCsrSigningFailing.for, "1h");
        assert.match(byName.CertManagerMeshCertificateRenewalOverdue.expr, new RegExp(`> ${24 * H}$`));
        assert.match(byName.CertManagerMeshCertificateNotReady.expr, /condition="True", namespace=~"istio-system\|cert-manager"/);
    });

    it("warn before they page, and page on failed renewal and root expiry", () => {
        const rules = allRules(true);
        const severity = (name: string) => rules.find((r) => r.alert === name)!.labels.severity;
        assert.equal(severity("IstioCaIntermediateRenewalOverdue"), "warning");
        for (const name of [
            "IstioCaIntermediateExpiring",
            "IstioCaRootExpiring",
            "IstioCaCsrSigningFailing",
            "CertManagerMeshCertificateNotReady",
            "CertManagerMeshCertificateExpiring",
        ])
            assert.equal(severity(name), "critical", name);
        for (const rule of rules) assert.ok(rule.annotations.summary && rule.annotations.description, rule.alert);
    });

    it("include the cert-manager rules only when asked", () => {
        assert.ok(allRules(false).length > 0 && allRules(false).every((r) => !r.expr.includes("certmanager_")));
        assert.equal(allRules(true).filter((r) => r.expr.includes("certmanager_")).length, 4);
        const names = allRules(true).map((r) => r.alert);
        assert.equal(new Set(names).size, names.length, "alert names are unique");
    });
});

describe("alerts in a plan", () => {
    const inputsOf = (resource: PlannedResource) => resource.inputs as Record<string, any>;

    it("emit a valid PrometheusRule with the configured labels", async () => {
        const plan = await planConfig({ caMode: "plugin", alertsEnabled: "true", alertRuleLabels: '{"release":"kube-prometheus-stack"}' });
        const [rule] = byType(plan, "kubernetes:monitoring.coreos.com/v1:PrometheusRule");
        // Read first: without the Prometheus Operator the preview stops on this read, naming what is missing.
        const crd = findResource(plan, (r) => r.type === "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition", "the CRD read");
        assert.equal(crd.name, "certificate-alerts-needs-prometheus-operator-crd");
        assert.ok(rule.dependsOn.includes(crd.name), "the rule waits for the CRD read");
        assert.deepEqual(validateCustomResource(inputsOf(rule)), []);
        assert.equal(inputsOf(rule).metadata.labels.release, "kube-prometheus-stack");
        assert.deepEqual(
            inputsOf(rule).spec.groups.map((g: any) => g.name),
            ["istio-ca.istiod"],
        );
        assert.ok(rule.dependsOn.includes("istio-istiod"), "after the control plane");
    });

    it("the PrometheusRule facts refuse what the CRD refuses", () => {
        const base = { apiVersion: "monitoring.coreos.com/v1", kind: "PrometheusRule", metadata: { name: "x", namespace: "y" } };
        assert.match(validateCustomResource({ ...base, spec: { groups: [{ name: "g", rules: [{ alert: "A", expr: "up", for: "1 hour" }] }] } }).join(), /does not match/);
        assert.match(validateCustomResource({ ...base, spec: { groups: [{ name: "g", rules: [{ alert: "A", expr: "up", severity: "x" }] }] } }).join(), /severity: unknown field/);
        assert.match(validateCustomResource({ ...base, spec: { groups: [{ rules: [] }] } }).join(), /missing required field name/);
        assert.match(validateCustomResource({ ...base, spec: { groups: [{ name: "g" }, { name: "g" }] } }).join(), /unique/);
    });

    it("create no PrometheusRule when disabled", async () => {
        for (const values of [{}, { alertsEnabled: "false" }] as Record<string, string>[]) {
            const plan = await planConfig(values);
            assert.equal(byType(plan, "kubernetes:monitoring.coreos.com/v1:PrometheusRule").length, 0);
            assert.equal(byType(plan, "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition").length, 0);
        }
    });
});
