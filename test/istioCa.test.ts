import { strict as assert } from "assert";
import { X509Certificate } from "crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { IstioCa, IstioCaArgs } from "../src/components/istioCa";
import { asArgsText } from "../src/componentArgs";
import { PlanResult, planStack } from "../plan/engine";
import { corpRoot, planConfig, rejection } from "./helpers";
import { VAULT_BASE } from "./vaultTypes";

function planComponent(args: IstioCaArgs, opts: { withProvider?: boolean } = {}): Promise<PlanResult> {
    return planStack({
        stack: "component",
        config: { values: {}, secretKeys: [] },
        program: () => {
            const providers = opts.withProvider === false ? undefined : [new k8s.Provider("cluster", { context: "mesh-cluster" })];
            const ca = new IstioCa("mesh", args, providers ? { providers } : undefined);
            return { caMode: ca.caMode, trustBundle: ca.trustBundle, trustedRootFingerprints: ca.trustedRootFingerprints, signingRootFingerprint: ca.signingRootFingerprint };
        },
    });
}

/** Resource type and name, with the component's name prefix taken off the name. */
function shapeOf(plan: PlanResult, prefix = ""): string[] {
    return plan.resources
        .filter((r) => r.custom && !r.type.startsWith("pulumi:providers:") && r.type !== "pulumi:pulumi:StackReference")
        .map((r) => `${r.type} ${prefix && r.name.startsWith(prefix) ? r.name.slice(prefix.length) : r.name}`)
        .sort();
}

describe("IstioCa component", () => {
    it("deploys the plug-in CA path under itself: every resource its child, named after it, on the given provider", async () => {
        const plan = await planComponent({ caMode: "plugin", trustDomain: "example.org", roots: ["r1"] });
        const component = plan.resources.find((r) => r.type === "istio-ca:index:IstioCa");
        assert.ok(component, "the component is registered");
        const topLevel = plan.resources.filter((r) => r.parent === "mesh");
        assert.deepEqual(topLevel.map((r) => r.name).sort(), ["mesh-istio", "mesh-istio-system", "mesh-mesh-policy", "mesh-plugin-ca"]);
        const stackLevel = plan.resources.filter((r) => r.parent === null && !r.type.startsWith("pulumi:"));
        assert.deepEqual(
            stackLevel.map((r) => r.name),
            ["mesh"],
            "nothing of the mesh sits beside the component",
        );
        const cacerts = plan.resources.find((r) => r.type === "kubernetes:core/v1:Secret" && (r.inputs as any).metadata?.name === "cacerts");
        assert.ok(cacerts, "cacerts Secret");
        assert.equal(cacerts.provider, "cluster", "the component's Kubernetes resources use the provider of its options");
        const roots = plan.resources.filter((r) => r.type === "tls:index/selfSignedCert:SelfSignedCert");
        assert.ok(roots.length === 1 && roots[0].protect, "the root is protected");
        const bundle = String(plan.outputs.trustBundle);
        const root = new X509Certificate(bundle);
        assert.match(root.subject, /CN=istio-ca root r1/);
        assert.deepEqual(plan.outputs.trustedRootFingerprints, [root.fingerprint256]);
        assert.equal(plan.outputs.signingRootFingerprint, root.fingerprint256);
        assert.equal(plan.outputs.caMode, "plugin");
    });

    it("creates the same resources as the program does for the same settings", async () => {
        for (const [caMode, extra] of [
            ["plugin", {}],
            ["cert-manager", { certManagerDelivery: "istio-csr" }],
            ["vault", { ...VAULT_BASE, certManagerDelivery: "cacerts" }],
            ["kubernetes", { dataPlane: "ambient" }],
            ["cert-manager", { certManagerDelivery: "istio-csr", dataPlane: "ambient" }],
        ] as const) {
            const values = { caMode, ...extra };
            const program = await planConfig(values);
            const component = await planComponent(values);
            const programShape = shapeOf(program);
            const componentShape = shapeOf(component, "mesh-")
                .filter((line) => !line.endsWith(" mesh"))
                .filter((line) => !line.startsWith("istio-ca:"));
            assert.deepEqual(componentShape, programShape, `caMode ${caMode}`);
        }
    });

    it("refuses invalid arguments by field name, with a fix, and creates nothing", async () => {
        let registered = 0;
        const error = await rejection(
            planStack({
                stack: "component",
                config: { values: {}, secretKeys: [] },
                program: () => {
                    const ca = new IstioCa("mesh", { caMode: "pluggin", workloadCertTtl: "1 day" });
                    return { caMode: ca.caMode };
                },
            }).then((plan) => {
                registered = plan.resources.length;
                return plan;
            }),
        );
        assert.equal(registered, 0);
        assert.match(error.message, /IstioCa "mesh": invalid arguments \(2 problems\); no resource was created/);
        assert.match(error.message, /args\.caMode = "pluggin": .*\n\s+Fix: set args\.caMode/);
        assert.match(error.message, /args\.workloadCertTtl = "1 day"/);
        assert.doesNotMatch(error.message, /istio-ca:|pulumi config/);
    });

    it("refuses the program's own keys, naming what takes their place", async () => {
        const error = await rejection(planComponent({ caMode: "plugin", ...({ kubeconfig: "/home/me/.kube/config", rotationOverride: "sign-new-early" } as object) }));
        assert.match(
            error.message,
            /args\.kubeconfig = \(not shown\): is not an argument of IstioCa: cluster access is the Kubernetes provider's: pass one in the resource options/,
        );
        assert.match(error.message, /args\.rotationOverride = \(not shown\): is not an argument of IstioCa: the rotation guard is the program's/);
    });

    it("refuses an argument that is not known at preview", async () => {
        const notKnown = new (pulumi.Output as any)(new Set(), Promise.resolve(undefined), Promise.resolve(false), Promise.resolve(false), Promise.resolve([]));
        const error = await rejection(planComponent({ caMode: "plugin", trustDomain: notKnown }));
        assert.match(error.message, /args\.trustDomain = \(unknown at preview\): comes from an output that is not known until the update runs/);
    });

    it("records an existing root's key in its inputs only as a secret", async () => {
        const { certPem, keyPem } = await corpRoot({ maxPathLength: 1 });
        const plan = await planComponent({ caMode: "plugin", existingRootCert: certPem, existingRootKey: keyPem });
        const component = plan.resources.find((r) => r.type === "istio-ca:index:IstioCa")!;
        assert.equal(component.inputs.existingRootKey, "[secret]");
        assert.ok(!JSON.stringify(plan).includes(keyPem.split("\n")[1]), "the key appears nowhere in the plan");
    });

    it("speaks of fields, not config keys, in every message it passes on", () => {
        assert.equal(
            asArgsText("remove it (pulumi config rm istio-ca:vaultToken), or set istio-ca:caMode to vault."),
            "remove it (remove args.vaultToken), or set args.caMode to vault.",
        );
        assert.equal(asArgsText("set it: pulumi config set --secret istio-ca:existingRootKey < key.pem"), "set it: set args.existingRootKey < key.pem");
        assert.equal(asArgsText("pulumi config set --path 'istio-ca:roots[1]' r2"), "set args.roots r2");
    });
});
