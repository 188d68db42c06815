import { strict as assert } from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { CONFIG_KEYS, PROGRAM_ONLY_KEYS } from "../src/config/keys";
import { ISTIO_CA_ARGS_FILE, renderIstioCaArgs } from "../scripts/istioCaArgs";
import { PROVIDER_DIR, SCHEMA_SNAPSHOT, componentSchema } from "../scripts/componentSchema";

const ROOT = path.join(__dirname, "..");
const readJson = (file: string) => JSON.parse(fs.readFileSync(file, "utf8"));

/** Starts the provider as `pulumi-language-nodejs` does (`cmd/run-plugin <dir>`) and asks it for its schema over gRPC. */
async function schemaFromRunningPlugin(): Promise<string> {
    const pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json", { paths: [ROOT] }));
    const grpc = require(require.resolve("@grpc/grpc-js", { paths: [pulumiDir] }));
    const rpc = require(path.join(pulumiDir, "proto", "provider_grpc_pb"));
    const proto = require(path.join(pulumiDir, "proto", "provider_pb"));
    const plugin = spawn(process.execPath, [path.join(pulumiDir, "cmd", "run-plugin"), PROVIDER_DIR], { cwd: PROVIDER_DIR });
    let stderr = "";
    plugin.stderr.on("data", (data) => (stderr += data));
    try {
        const port = await new Promise<string>((resolve, reject) => {
            plugin.stdout.once("data", (data) => resolve(String(data).trim()));
            plugin.once("exit", (code) => reject(new Error(`the plugin exited with ${code} before it listened: ${stderr}`)));
        });
        const client = new rpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
        const request = new proto.GetSchemaRequest();
        request.setVersion(0);
        return await new Promise<string>((resolve, reject) =>
            client.getSchema(request, (error: Error | null, response: any) => (error ? reject(error) : resolve(response.getSchema()))),
        );
    } finally {
        plugin.kill();
    }
}

describe("component provider (other Pulumi languages)", function () {
    this.timeout(120000);

    it("serves IstioCa with the reviewed schema (provider/schema.json; npm run schema updates it)", async () => {
        const schema = await componentSchema();
        assert.equal(schema, fs.readFileSync(SCHEMA_SNAPSHOT, "utf8"), "the generated schema differs from the snapshot: review the change, then run npm run schema");
    });

    it("takes every config key but the program's own as an input, documented, none required", () => {
        const resource = readJson(SCHEMA_SNAPSHOT).resources["istio-ca:index:IstioCa"];
        const expected = CONFIG_KEYS.map((spec) => spec.key).filter((key) => !(key in PROGRAM_ONLY_KEYS));
        assert.deepEqual(Object.keys(resource.inputProperties), expected);
        assert.deepEqual(resource.requiredInputs, []);
        for (const [key, property] of Object.entries<any>(resource.inputProperties)) assert.ok(String(property.description).length > 20, `${key} is documented`);
        assert.deepEqual(Object.keys(resource.properties).sort(), ["caMode", "istioVersion", "signingRootFingerprint", "trustBundle", "trustDomain", "trustedRootFingerprints"]);
    });

    it("starts as Pulumi starts a nodejs component plugin, and answers GetSchema with the same schema", async () => {
        const served = JSON.parse(await schemaFromRunningPlugin());
        assert.deepEqual(served, readJson(SCHEMA_SNAPSHOT));
    });

    it("has the library's name, version and dependencies, so the plugin installs what the component needs", () => {
        const library = readJson(path.join(ROOT, "package.json"));
        const plugin = readJson(path.join(PROVIDER_DIR, "package.json"));
        assert.equal(plugin.name, library.name);
        assert.equal(plugin.version, library.version);
        assert.deepEqual(plugin.dependencies, { ...library.dependencies, ...library.peerDependencies });
    });

    it("has IstioCaArgs generated from the config keys (npm run generate)", () => {
        assert.equal(fs.readFileSync(ISTIO_CA_ARGS_FILE, "utf8"), renderIstioCaArgs());
    });
});
