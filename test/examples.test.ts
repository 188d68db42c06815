import { strict as assert } from "assert";
import { execFile } from "child_process";
import { X509Certificate } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { codeBlocks } from "./markdown";

const run = promisify(execFile);
const ROOT = path.join(__dirname, "..");
const EXAMPLES = path.join(ROOT, "examples");
const RUNNER = path.join(__dirname, "fixtures", "runExampleMocked.js");

interface RegisteredResource {
    type: string;
    name: string;
    custom: boolean;
    provider: string | null;
    inputs: Record<string, any>;
}

/** The version of a package installed in this repository, so the consumer gets the same one. */
function installedVersion(name: string): string {
    return JSON.parse(fs.readFileSync(require.resolve(`${name}/package.json`, { paths: [ROOT] }), "utf8")).version;
}

/** A new program's directory with the packed library installed from its tarball, as a platform team would. */
async function consumerWithPackedLibrary(): Promise<{ dir: string; tarball: string; files: string[] }> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "istio-ca-consumer-"));
    const { stdout } = await run("npm", ["pack", "--json", "--pack-destination", dir], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
    const [packed] = JSON.parse(stdout.slice(stdout.indexOf("[")));
    const tarball = path.join(dir, packed.filename);
    const dependencies: Record<string, string> = { "istio-ca": `file:${tarball}` };
    for (const name of ["@pulumi/pulumi", "@pulumi/kubernetes", "@pulumi/tls", "@pulumi/vault", "typescript", "@types/node"]) dependencies[name] = installedVersion(name);
    fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "istio-ca-consumer", private: true, dependencies }, null, 2));
    await run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts"], { cwd: dir, maxBuffer: 16 * 1024 * 1024 });
    return { dir, tarball, files: packed.files.map((file: { path: string }) => file.path) };
}

/** Copies an example next to the installed package, type-checks and compiles it with its own strict tsconfig. */
async function compileExample(consumer: string, example: string): Promise<string> {
    const dir = path.join(consumer, example);
    fs.mkdirSync(dir);
    for (const file of ["index.ts", "tsconfig.json", "Pulumi.yaml"]) fs.copyFileSync(path.join(EXAMPLES, example, file), path.join(dir, file));
    const tsc = path.join(consumer, "node_modules", "typescript", "bin", "tsc");
    try {
        await run(process.execPath, [tsc, "-p", path.join(dir, "tsconfig.json")], { cwd: dir });
    } catch (error: any) {
        assert.fail(`examples/${example} does not type-check against the packed library:\n${error.stdout}${error.stderr}`);
    }
    return path.join(dir, "bin", "index.js");
}

async function runMocked(main: string, config: Record<string, string>, project = "example"): Promise<{ resources: RegisteredResource[]; outputs: Record<string, any> }> {
    try {
        const { stdout } = await run(process.execPath, [RUNNER, main, ROOT, JSON.stringify(config), project], { cwd: path.dirname(main), maxBuffer: 64 * 1024 * 1024 });
        return JSON.parse(stdout);
    } catch (error: any) {
        return assert.fail(`${main} failed under mocks:\n${error.stderr}`);
    }
}

/** The TypeScript blocks of README and docs/ that are not an example's program verbatim. */
function documentedSnippets(): { file: string; code: string }[] {
    const examples = fs
        .readdirSync(EXAMPLES)
        .map((ex) => path.join(EXAMPLES, ex, "index.ts"))
        .filter((file) => fs.existsSync(file))
        .map((file) => fs.readFileSync(file, "utf8"));
    const files = ["README.md", ...fs.readdirSync(path.join(ROOT, "docs")).map((file) => path.join("docs", file))];
    return files.flatMap((file) =>
        codeBlocks(fs.readFileSync(path.join(ROOT, file), "utf8"))
            .filter((block) => block.lang === "ts" && !examples.includes(block.code))
            .map((block) => ({ file, code: block.code })),
    );
}

const ofType = (resources: RegisteredResource[], type: string) => resources.filter((r) => r.type === type);

describe("examples/: new programs on the packed library", function () {
    this.timeout(300000);
    let consumer: { dir: string; tarball: string; files: string[] };

    before(async () => {
        consumer = await consumerWithPackedLibrary();
    });

    after(() => {
        if (consumer) fs.rmSync(consumer.dir, { recursive: true, force: true });
    });

    it("packs the built library with declarations, the post-renderer and README, and nothing else", () => {
        const outside = consumer.files.filter((file) => !file.startsWith("dist/"));
        assert.deepEqual(outside.sort(), ["README.md", "bin/istiod-env-postrender.js", "package.json"]);
        assert.ok(consumer.files.includes("dist/index.js") && consumer.files.includes("dist/index.d.ts"));
        assert.ok(
            consumer.files.every((file) => !file.endsWith(".ts") || file.endsWith(".d.ts")),
            "no TypeScript sources",
        );
        assert.ok(!consumer.files.some((file) => /^(dist\/)?(test|program|plan|stacks|drill|bench|scripts|\.ci)\//.test(file)), "no tests, program, stacks or tools");
    });

    it("imports without running anything: the package's entry registers no resource", async () => {
        const main = path.join(consumer.dir, "import-only.js");
        fs.writeFileSync(
            main,
            'const ca = require("istio-ca");\nexports.components = ["PluginCa", "IstioControlPlane", "VaultPki", "IstioCa"].filter((name) => typeof ca[name] === "function");\n',
        );
        const { resources, outputs } = await runMocked(main, {});
        assert.deepEqual(resources, []);
        assert.deepEqual(outputs.components, ["PluginCa", "IstioControlPlane", "VaultPki", "IstioCa"]);
    });

    it("type-checks every other TypeScript block of README and docs/ against the packed library, with strict flags", async () => {
        const snippets = documentedSnippets();
        assert.ok(snippets.length >= 2, "docs/library.md shows code of its own");
        const dir = path.join(consumer.dir, "doc-snippets");
        fs.mkdirSync(dir);
        const files = snippets.map((snippet, index) => {
            const file = path.join(dir, `snippet${index}.ts`);
            fs.writeFileSync(file, `// ${snippet.file}\n${snippet.code}`);
            return file;
        });
        const compilerOptions = {
            strict: true,
            noUncheckedIndexedAccess: true,
            exactOptionalPropertyTypes: true,
            target: "es2022",
            module: "commonjs",
            moduleResolution: "node",
            esModuleInterop: true,
            noEmit: true,
            types: ["node"],
        };
        fs.writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions, files }));
        try {
            await run(process.execPath, [path.join(consumer.dir, "node_modules", "typescript", "bin", "tsc"), "-p", path.join(dir, "tsconfig.json")], { cwd: dir });
        } catch (error: any) {
            assert.fail(`a documented snippet does not type-check against the packed library:\n${error.stdout}${error.stderr}`);
        }
    });

    it("plugin-ca: a tls root and intermediate in cacerts, and Istio after it", async () => {
        const main = await compileExample(consumer.dir, "plugin-ca");
        const { resources, outputs } = await runMocked(main, {});
        assert.equal(ofType(resources, "tls:index/selfSignedCert:SelfSignedCert").length, 1);
        const cacerts = ofType(resources, "kubernetes:core/v1:Secret").find((r) => r.inputs.metadata?.name === "cacerts");
        assert.ok(cacerts, "the cacerts Secret");
        assert.deepEqual(Object.keys(cacerts.inputs.stringData ?? cacerts.inputs.data).sort(), ["ca-cert.pem", "ca-key.pem", "cert-chain.pem", "root-cert.pem"]);
        assert.deepEqual(
            ofType(resources, "kubernetes:helm.sh/v3:Release")
                .map((r) => r.name)
                .sort(),
            ["istio-base", "istio-istiod"],
        );
        const root = new X509Certificate(outputs.trustBundle);
        assert.ok(root.ca && /CN=example mesh root r2026/.test(root.subject), root.subject);
        assert.equal(outputs.signingRootFingerprint, root.fingerprint256);
    });

    it("cert-manager-istio-csr: IstioCa deploys cert-manager, istio-csr, trust-manager and istiod on the given provider", async () => {
        const main = await compileExample(consumer.dir, "cert-manager-istio-csr");
        const { resources, outputs } = await runMocked(main, {});
        assert.equal(ofType(resources, "istio-ca:index:IstioCa").length, 1);
        const releases = ofType(resources, "kubernetes:helm.sh/v3:Release");
        assert.deepEqual(releases.map((r) => r.inputs.chart).sort(), ["base", "cert-manager", "cert-manager-approver-policy", "cert-manager-istio-csr", "istiod", "trust-manager"]);
        assert.ok(
            releases.every((r) => r.provider === "cluster"),
            "every release uses the example's provider",
        );
        const istiod = releases.find((r) => r.inputs.chart === "istiod")!;
        assert.equal(istiod.inputs.values.env.ENABLE_CA_SERVER, "false");
        assert.equal(istiod.inputs.values.env.DEFAULT_WORKLOAD_CERT_TTL, "12h");
        assert.equal(outputs.trustedRootFingerprints.length, 1);
        assert.equal(outputs.trustedRootFingerprints[0], new X509Certificate(outputs.trustBundle).fingerprint256);
    });

    it("vault-pki: mounts, a root and intermediate inside Vault, and a signer that may only sign", async () => {
        const main = await compileExample(consumer.dir, "vault-pki");
        const config = {
            "istio-ca-example-vault-pki:vaultAddress": "https://vault.example.com:8200",
            "istio-ca-example-vault-pki:kubernetesHost": "https://kubernetes.example.com:6443",
        };
        const { resources, outputs } = await runMocked(main, config, "istio-ca-example-vault-pki");
        assert.deepEqual(
            ofType(resources, "vault:index/mount:Mount")
                .map((r) => r.inputs.path)
                .sort(),
            ["pki-mesh", "pki-mesh-root"],
        );
        assert.ok(
            resources.every((r) => !r.type.startsWith("vault:") || r.provider === "vault"),
            "every Vault resource uses the example's provider",
        );
        const policy = ofType(resources, "vault:index/policy:Policy")[0];
        assert.match(policy.inputs.policy, /path "pki-mesh\/sign\/mesh-workloads"/);
        assert.doesNotMatch(policy.inputs.policy, /sign-intermediate|pki-mesh-root/);
        const role = ofType(resources, "vault:kubernetes/authBackendRole:AuthBackendRole")[0];
        assert.deepEqual([role.inputs.boundServiceAccountNames, role.inputs.boundServiceAccountNamespaces], [["mesh-signer"], ["cert-manager"]]);
        assert.ok(new X509Certificate(outputs.rootCertificate).ca);
        assert.equal(outputs.signerRole, "mesh-signer");
    });
});
