import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { JETSTACK_CHART_REPO } from "../certManagerValues";

/** A jetstack chart to install (cert-manager, istio-csr, trust-manager). */
export interface JetstackChart {
    /** Chart name; also the Helm release name, which names the chart's Services. */
    chart: string;
    /** Chart version. */
    version: string;
    /** Namespace to install into. */
    namespace: pulumi.Input<string>;
    /** Helm chart repository. Default: "https://charts.jetstack.io". */
    chartRepo?: string;
    /** Chart values. */
    values: pulumi.Input<Record<string, unknown>>;
}

/** The Helm release `<name>-release` of a jetstack chart (the caller's `opts` give its parent and dependencies). */
export function jetstackChartRelease(name: string, chart: JetstackChart, opts: pulumi.CustomResourceOptions): k8s.helm.v3.Release {
    return new k8s.helm.v3.Release(
        `${name}-release`,
        {
            name: chart.chart,
            chart: chart.chart,
            version: chart.version,
            namespace: chart.namespace,
            repositoryOpts: { repo: chart.chartRepo ?? JETSTACK_CHART_REPO },
            values: chart.values,
        },
        opts,
    );
}
