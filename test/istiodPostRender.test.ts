import { strict as assert } from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { ISTIOD_ENV_POSTRENDER, postRendererCommand } from "../src/components/istioControlPlane";
import { PROJECT_DIR } from "../plan/engine";
import { byType, planConfig } from "./helpers";

const { overrideIstiodEnv } = require("../bin/istiod-env-postrender.js") as { overrideIstiodEnv(manifests: string): string };

const SIGNER = "clusterissuers.cert-manager.io/istio-mesh-signer";

/**
 * The istiod Deployment as the 1.30.3 chart renders it, reduced to what the post-renderer reads:
 * metadata from templates/deployment.yaml lines 4-23 and the container's env from lines 150-220
 * (PILOT_CERT_PROVIDER rendered from global.pilotCertProvider, then `.Values.env`).
 */
function renderedIstiod(annotations: Record<string, string>, env: Record<string, string>): string {
    const deployment = {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "istiod", namespace: "istio-system", labels: { app: "istiod" }, annotations },
        spec: {
            template: {
                spec: {
                    containers: [
                        {
                            name: "discovery",
                            image: "docker.io/istio/pilot:1.30.3",
                            env: [
                                { name: "REVISION", value: "default" },
                                { name: "PILOT_CERT_PROVIDER", value: "istiod" },
                                { name: "POD_NAME", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "metadata.name" } } },
                                ...Object.entries(env).map(([name, value]) => ({ name, value })),
                                { name: "CLUSTER_ID", value: "Kubernetes" },
                            ],
                        },
                    ],
                },
            },
        },
    };
    const configMap = {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "istio-sidecar-injector", namespace: "istio-system" },
        data: { values: '{"global":{"pilotCertProvider":"istiod"}}' },
    };
    return `---\n# Source: istiod/templates/deployment.yaml\n${YAML.stringify(deployment)}---\n# Source: istiod/templates/istiod-injector-configmap.yaml\n${YAML.stringify(configMap)}`;
}

function envOf(manifests: string): { name: string; value?: string }[] {
    const deployment = YAML.parseAllDocuments(manifests)
        .map((d) => d.toJS())
        .find((o) => o.kind === "Deployment");
    return deployment.spec.template.spec.containers[0].env;
}

describe("istiod env post-renderer (Kubernetes CSR mode)", () => {
    it("plans istiod with the override as a Deployment annotation and the post-renderer, the injector left on istiod", async () => {
        const plan = await planConfig({ caMode: "kubernetes" });
        const istiod = byType(plan, "kubernetes:helm.sh/v3:Release").find((r) => r.inputs.chart === "istiod")!;
        const values = istiod.inputs.values as any;
        assert.deepEqual(values.deploymentAnnotations, { "istio-ca.io/istiod-env.PILOT_CERT_PROVIDER": `k8s.io/${SIGNER}` });
        assert.equal(values.global.pilotCertProvider, undefined);
        assert.equal(istiod.inputs.postrender, postRendererCommand());
        // Other modes need no post-renderer.
        const plugin = byType(await planConfig({ caMode: "plugin" }), "kubernetes:helm.sh/v3:Release").find((r) => r.inputs.chart === "istiod")!;
        assert.equal(plugin.inputs.postrender, undefined);
        assert.equal((plugin.inputs.values as any).deploymentAnnotations, undefined);
    });

    it("is an executable Helm can run by a path relative to the program's directory", () => {
        fs.accessSync(ISTIOD_ENV_POSTRENDER, fs.constants.X_OK);
        assert.equal(postRendererCommand(ISTIOD_ENV_POSTRENDER, PROJECT_DIR), "./bin/istiod-env-postrender.js");
        assert.equal(postRendererCommand("/opt/x/bin/p.js", "/srv/project"), "/opt/x/bin/p.js", "outside the directory: absolute");
    });

    it("sets istiod's PILOT_CERT_PROVIDER in place, with no duplicate, and leaves everything else", async () => {
        const input = renderedIstiod({ "istio-ca.io/istiod-env.PILOT_CERT_PROVIDER": `k8s.io/${SIGNER}` }, { EXTERNAL_CA: "ISTIOD_RA_KUBERNETES_API", K8S_SIGNER: SIGNER });
        const child = execFile(ISTIOD_ENV_POSTRENDER, [], { cwd: PROJECT_DIR });
        const output = new Promise<string>((resolve, reject) => {
            let text = "";
            child.stdout!.on("data", (chunk) => (text += chunk));
            child.on("close", (code) => (code === 0 ? resolve(text) : reject(new Error(`exit ${code}`))));
        });
        child.stdin!.end(input);
        const rendered = await output;
        const env = envOf(rendered);
        assert.deepEqual(
            env.filter((e) => e.name === "PILOT_CERT_PROVIDER"),
            [{ name: "PILOT_CERT_PROVIDER", value: `k8s.io/${SIGNER}` }],
        );
        assert.deepEqual(
            env.map((e) => e.name),
            ["REVISION", "PILOT_CERT_PROVIDER", "POD_NAME", "EXTERNAL_CA", "K8S_SIGNER", "CLUSTER_ID"],
        );
        const [, injector] = YAML.parseAllDocuments(rendered).map((d) => d.toJS());
        assert.equal(JSON.parse(injector.data.values).global.pilotCertProvider, "istiod", "the sidecar injector still sees istiod");
        assert.equal(overrideIstiodEnv(rendered), rendered, "running it again changes nothing");
    });

    it("passes manifests without the annotation through unchanged", () => {
        const input = renderedIstiod({}, {});
        assert.deepEqual(
            YAML.parseAllDocuments(overrideIstiodEnv(input)).map((d) => d.toJS()),
            YAML.parseAllDocuments(input).map((d) => d.toJS()),
        );
    });

    it("fails the release when the chart renders the variable twice or not at all", () => {
        const doubled = renderedIstiod({ "istio-ca.io/istiod-env.PILOT_CERT_PROVIDER": "k8s.io/x/y" }, { PILOT_CERT_PROVIDER: "k8s.io/x/y" });
        assert.throws(() => overrideIstiodEnv(doubled), /exactly one PILOT_CERT_PROVIDER .* found 2/);
        const missing = renderedIstiod({ "istio-ca.io/istiod-env.SOMETHING_ELSE": "1" }, {});
        assert.throws(() => overrideIstiodEnv(missing), /exactly one SOMETHING_ELSE .* found 0/);
    });

    it("is shipped beside the program at the path the component points at", () => {
        assert.equal(ISTIOD_ENV_POSTRENDER, path.join(PROJECT_DIR, "bin", "istiod-env-postrender.js"));
    });
});
