import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { AlertRuleGroup, AlertThresholds, certificateAlertGroups } from "../certificateAlerts";
import { dependencyList } from "./dependencies";

export interface CertificateAlertsArgs {
    /** Namespace of the PrometheusRule. Default: "istio-system". */
    namespace?: pulumi.Input<string>;
    /** Alert thresholds in seconds (see `alertThresholds` in src/certificateAlerts.ts). */
    thresholds: AlertThresholds;
    /** Add the istiod CA rules; only where istiod holds a CA (not with istio-csr or as a Kubernetes CSR RA). Default: true. */
    istiodCa?: boolean;
    /** Add the cert-manager Certificate rules; only useful where cert-manager issues mesh certificates. Default: false. */
    certManager?: boolean;
    /** Namespaces whose cert-manager Certificates the rules watch. Default: ["istio-system", "cert-manager"]. */
    certManagerNamespaces?: string[];
    /** Labels on the PrometheusRule (to match a Prometheus `ruleSelector`). Default: none beyond `app.kubernetes.io/managed-by`. */
    labels?: Record<string, string>;
    /**
     * Read the Prometheus Operator's PrometheusRule CRD before creating the rule, so that a cluster
     * without it fails the preview (on a resource named for what is missing) instead of the update
     * failing after the provider's retries. Default: true.
     */
    requireCrd?: boolean;
}

/** The CRD a PrometheusRule needs (Prometheus Operator, e.g. from kube-prometheus-stack). */
export const PROMETHEUS_RULE_CRD = "prometheusrules.monitoring.coreos.com";

/** Certificate health alerts for istiod's CA (and cert-manager when used) as a prometheus-operator `PrometheusRule`. */
export class CertificateAlerts extends pulumi.ComponentResource {
    /** The PrometheusRule. */
    readonly rule: k8s.apiextensions.CustomResource;
    /** The rule groups it holds. */
    readonly groups: AlertRuleGroup[];

    constructor(name: string, args: CertificateAlertsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("istio-ca:alerts:CertificateAlerts", name, {}, opts);
        this.groups = certificateAlertGroups({
            thresholds: args.thresholds,
            istiodCa: args.istiodCa ?? true,
            certManager: args.certManager ?? false,
            certManagerNamespaces: args.certManagerNamespaces ?? ["istio-system", "cert-manager"],
        });
        const crd =
            (args.requireCrd ?? true)
                ? k8s.apiextensions.v1.CustomResourceDefinition.get(`${name}-needs-prometheus-operator-crd`, PROMETHEUS_RULE_CRD, { parent: this })
                : undefined;
        this.rule = new k8s.apiextensions.CustomResource(
            `${name}-rules`,
            {
                apiVersion: "monitoring.coreos.com/v1",
                kind: "PrometheusRule",
                metadata: {
                    name: "istio-ca-certificates",
                    namespace: args.namespace ?? "istio-system",
                    labels: { "app.kubernetes.io/managed-by": "istio-ca", ...(args.labels ?? {}) },
                },
                spec: { groups: this.groups },
            },
            { parent: this, dependsOn: [...dependencyList(opts?.dependsOn), ...(crd ? [crd] : [])] },
        );
        this.registerOutputs({ rule: this.rule });
    }
}
