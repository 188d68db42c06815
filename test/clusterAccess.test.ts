import { strict as assert } from "assert";
import { parseStackConfig } from "../src/config";
import { kubernetesProviderArgs } from "../src/kubernetesProvider";
import { onlyConfigProblem, only, planConfig, rawConfig } from "./helpers";

const KUBECONFIG_YAML = "apiVersion: v1\nkind: Config\nclusters: []\nusers:\n- name: admin\n  user:\n    token: abcdef123456\n";

describe("cluster access: the explicit Kubernetes provider", () => {
    it("turns on in-place updates of Secrets and ConfigMaps, whatever the access", () => {
        for (const access of [{}, { kubeconfig: "/home/me/.kube/prod", context: "prod" }]) {
            const args = kubernetesProviderArgs(access);
            assert.equal(args.enableSecretMutable, true);
            assert.equal(args.enableConfigMapMutable, true);
        }
        assert.deepEqual(Object.keys(kubernetesProviderArgs({})).sort(), ["enableConfigMapMutable", "enableSecretMutable"], "no kubeconfig or context unless given");
    });

    it("reads a kubeconfig path and a context", () => {
        const model = parseStackConfig(rawConfig({ kubeconfig: "/home/me/.kube/prod", kubernetesContext: "prod-admin" }));
        assert.deepEqual(model.kubernetes, { kubeconfig: { path: "/home/me/.kube/prod" }, context: "prod-admin" });
        assert.deepEqual(parseStackConfig(rawConfig({})).kubernetes, {});
    });

    it("takes a kubeconfig's contents only as a secret, and never echoes them", () => {
        const problem = onlyConfigProblem({ kubeconfig: KUBECONFIG_YAML }, "kubeconfig");
        assert.equal(problem.value, "(plain text, not shown)");
        assert.match(problem.fix, /pulumi config set --secret istio-ca:kubeconfig/);
        assert.ok(!JSON.stringify(problem).includes("abcdef123456"));
        const model = parseStackConfig(rawConfig({ kubeconfig: KUBECONFIG_YAML }, { secretKeys: ["kubeconfig"] }));
        assert.ok(model.kubernetes.kubeconfig && "contents" in model.kubernetes.kubeconfig);
        assert.ok(!JSON.stringify(model).includes("abcdef123456"), "the model prints the contents as [secret]");
    });

    it("refuses an empty kubeconfig, a missing file while deploying, and a context that is not a name", () => {
        assert.match(onlyConfigProblem({ kubeconfig: " " }, "kubeconfig").message, /is empty/);
        const missing = onlyConfigProblem({ kubeconfig: "/nowhere/kubeconfig" }, "kubeconfig", { deploying: true, fileExists: () => false, value: "(value not shown)" });
        assert.match(missing.message, /does not exist/);
        // The offline plan does not look at the file.
        assert.doesNotThrow(() => parseStackConfig(rawConfig({ kubeconfig: "/nowhere/kubeconfig" })));
        for (const context of ["", "two words", 'quo"te']) onlyConfigProblem({ kubernetesContext: context }, "kubernetesContext");
    });

    it("hands the path and context to the provider, and contents only as a secret", async () => {
        const plan = await planConfig({ caMode: "plugin", kubeconfig: "/home/me/.kube/prod", kubernetesContext: "prod-admin" });
        const provider = only(plan, "pulumi:providers:kubernetes");
        assert.equal(provider.inputs.kubeconfig, "/home/me/.kube/prod");
        assert.equal(provider.inputs.context, "prod-admin");
        const secretPlan = await planConfig({ caMode: "plugin", kubeconfig: KUBECONFIG_YAML }, { secretKeys: ["kubeconfig"] });
        assert.equal(only(secretPlan, "pulumi:providers:kubernetes").inputs.kubeconfig, "[secret]");
        assert.ok(!JSON.stringify(secretPlan).includes("abcdef123456"));
    });
});
