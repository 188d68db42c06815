import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CNI_CHART, CNI_RELEASE, ZTUNNEL_CHART, ZTUNNEL_RELEASE, cniValues, ztunnelValues } from "../ambientValues";
import { WorkloadCertSettings } from "../config";
import { ISTIO_CHART_REPO } from "../istioValues";

export interface AmbientDataPlaneArgs {
    /** Istio chart version of `cni` and `ztunnel`: the same as istiod's, e.g. "1.30.3". */
    version: string;
    /** istiod's namespace; ztunnel and the CNI node agent run there too (ztunnel's `istioNamespace`). */
    namespace: pulumi.Input<string>;
    /** Workload certificate lifetimes (milliseconds): ztunnel requests `ttlMs` for each identity. */
    workloadCerts: WorkloadCertSettings;
    /** Where ztunnel sends CSRs, e.g. istio-csr's "cert-manager-istio-csr.cert-manager.svc:443". Default: istiod (`istiod.<namespace>.svc:15012`). */
    caAddress?: string;
    /** Resources both charts install after: the istiod release, whose CA ztunnel asks and whose `istio-ca-root-cert` it mounts. Default: none. */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
    /** Helm chart repository. Default: the official Istio repository. */
    chartRepo?: string;
}

/**
 * Istio's ambient data plane: the `cni` chart (the node agent that redirects ambient pods' traffic)
 * and the `ztunnel` chart (the per-node proxy that holds every local workload's certificate), both
 * with the ambient profile, in this order after istiod, as Istio's Helm instructions install them.
 * istiod itself needs the ambient profile too (`IstioControlPlane`'s `dataPlane`).
 */
export class AmbientDataPlane extends pulumi.ComponentResource {
    /** The `cni` release. */
    readonly cni: k8s.helm.v3.Release;
    /** The `ztunnel` release. */
    readonly ztunnel: k8s.helm.v3.Release;
    /** The values passed to the ztunnel chart (besides `istioNamespace`). */
    readonly ztunnelValues: Record<string, unknown>;

    constructor(name: string, args: AmbientDataPlaneArgs, opts?: pulumi.ComponentResourceOptions) {
        super("istio-ca:istio:AmbientDataPlane", name, {}, opts);
        const repositoryOpts = { repo: args.chartRepo ?? ISTIO_CHART_REPO };

        this.cni = new k8s.helm.v3.Release(
            `${name}-cni`,
            { name: CNI_RELEASE, chart: CNI_CHART, version: args.version, namespace: args.namespace, repositoryOpts, values: cniValues() },
            { parent: this, dependsOn: args.dependsOn },
        );

        this.ztunnelValues = ztunnelValues({ workloadCertTtlMs: args.workloadCerts.ttlMs, caAddress: args.caAddress });
        this.ztunnel = new k8s.helm.v3.Release(
            `${name}-ztunnel`,
            {
                name: ZTUNNEL_RELEASE,
                chart: ZTUNNEL_CHART,
                version: args.version,
                namespace: args.namespace,
                repositoryOpts,
                // ztunnel derives istiod's CA and XDS addresses from istioNamespace (templates/daemonset.yaml:110-121).
                values: { ...this.ztunnelValues, istioNamespace: args.namespace },
            },
            { parent: this, dependsOn: [...(args.dependsOn ?? []), this.cni] },
        );

        this.registerOutputs({ cni: this.cni, ztunnel: this.ztunnel });
    }
}
