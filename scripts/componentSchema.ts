/**
 * The component provider's schema (`provider/`), as `pulumi package add` would read it, generated
 * offline by the Pulumi SDK's analyzer. Writes the reviewed snapshot `provider/schema.json`;
 * `test/componentProvider.test.ts` checks the generated schema against it.
 */
import * as fs from "fs";
import * as path from "path";
import { ComponentProvider } from "@pulumi/pulumi/provider/experimental";
import { IstioCa } from "../src/components/istioCa";

export const PROVIDER_DIR = path.join(__dirname, "..", "provider");
export const SCHEMA_SNAPSHOT = path.join(PROVIDER_DIR, "schema.json");

/** The schema the provider serves, formatted as the snapshot holds it. */
export async function componentSchema(): Promise<string> {
    const provider = new ComponentProvider({ dirname: PROVIDER_DIR, name: "istio-ca", components: [IstioCa] });
    return `${JSON.stringify(JSON.parse(await provider.getSchema()), null, 2)}\n`;
}

if (require.main === module) {
    componentSchema()
        .then((schema) => fs.writeFileSync(SCHEMA_SNAPSHOT, schema))
        .catch((error: Error) => {
            console.error(error.message);
            process.exit(1);
        });
}
