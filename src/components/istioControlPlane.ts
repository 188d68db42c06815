import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { DataPlane } from "../ambient";
import { WorkloadCertSettings } from "../config";
import * as path from "path";
import { ISTIO_CHART_REPO, IstiodCaValues, MultiClusterSettings, istiodValues } from "../istioValues";

/** The post-renderer that sets `istiodEnvOverrides` in the rendered istiod Deployment. */
export const ISTIOD_ENV_POSTRENDER = path.resolve(__dirname, "..", "..", "bin", "istiod-env-postrender.js");

/**
 * The post-renderer's path as the Helm release runs it: relative to the working directory, which
 * the Kubernetes provider shares with the program (pulumi/pulumi sdk/go/common/resource/plugin/
 * plugin.go: `cmd.Dir = pwd`), so the release's inputs do not change from one checkout to another.
 * Helm runs a path with a separator as is (postrender.NewExec, exec.LookPath).
 */
export function postRendererCommand(file = ISTIOD_ENV_POSTRENDER, cwd = process.cwd()): string {
    const relative = path.relative(cwd, file);
    return relative.startsWith("..") || path.isAbsolute(relative) ? file : `./${relative}`;
}

export interface IstioControlPlaneArgs {
    /** Istio chart version for `base` and `istiod`, e.g. "1.30.3". */
    version: string;
    /** Namespace istiod runs in. Created by the caller so CA material can land there first. */
    namespace: pulumi.Input<string>;
    /** SPIFFE trust domain (`meshConfig.trustDomain`). */
    trustDomain: string;
    /** Workload certificate lifetimes (durations in milliseconds) and the renewal grace ratio. */
    workloadCerts: WorkloadCertSettings;
    /** CA-specific values of the chosen strategy. Default: none (istiod's self-signed CA). */
    ca?: IstiodCaValues;
    /** Resources istiod must start after, e.g. the `cacerts` Secret. Default: none. */
    istiodDependsOn?: pulumi.Input<pulumi.Resource>[];
    /** `ambient`: istiod with the chart's ambient profile, for ztunnel (`AmbientDataPlane` installs `cni` and `ztunnel`). Default: "sidecar". */
    dataPlane?: DataPlane;
    /** Helm chart repository. Default: the official Istio repository. */
    chartRepo?: string;
    /** This cluster's mesh ID, cluster name and network in a multi-cluster mesh. Default: none (one cluster). */
    multiCluster?: MultiClusterSettings;
}

/** Istio control plane: the `base` chart (CRDs) and `istiod`, configured for a CA strategy. */
export class IstioControlPlane extends pulumi.ComponentResource {
    /** The `base` release (CRDs, validation). */
    readonly base: k8s.helm.v3.Release;
    /** The `istiod` release. */
    readonly istiod: k8s.helm.v3.Release;
    /** The values passed to the istiod chart. */
    readonly istiodValues: Record<string, unknown>;

    constructor(name: string, args: IstioControlPlaneArgs, opts?: pulumi.ComponentResourceOptions) {
        super("istio-ca:istio:IstioControlPlane", name, {}, opts);
        const repositoryOpts = { repo: args.chartRepo ?? ISTIO_CHART_REPO };

        this.base = new k8s.helm.v3.Release(
            `${name}-base`,
            { name: "istio-base", chart: "base", version: args.version, namespace: args.namespace, repositoryOpts, values: {} },
            { parent: this },
        );

        this.istiodValues = istiodValues({
            trustDomain: args.trustDomain,
            workloadCerts: args.workloadCerts,
            ca: args.ca ?? {},
            dataPlane: args.dataPlane,
            ...(args.multiCluster ? { multiCluster: args.multiCluster } : {}),
        });
        const envOverrides = Object.keys(args.ca?.istiodEnvOverrides ?? {}).length > 0;
        this.istiod = new k8s.helm.v3.Release(
            `${name}-istiod`,
            {
                name: "istiod",
                chart: "istiod",
                version: args.version,
                namespace: args.namespace,
                repositoryOpts,
                values: this.istiodValues,
                ...(envOverrides ? { postrender: postRendererCommand() } : {}),
            },
            { parent: this, dependsOn: [this.base, ...(args.istiodDependsOn ?? [])] },
        );

        this.registerOutputs({ base: this.base, istiod: this.istiod });
    }
}
