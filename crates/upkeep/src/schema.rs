//! Reading an XSD (and what it includes) into xsd-parser's language-neutral
//! `MetaTypes`: the one pipeline the code generator and the schema diff share.

use std::path::Path;

use anyhow::{Context, anyhow};
use xsd_parser::models::TypeIdent;
use xsd_parser::models::meta::{MetaType, MetaTypes};
use xsd_parser::pipeline::parser::resolver::FileResolver;
use xsd_parser::{Interpreter, Parser, Schemas};

/// The XML Schema namespace.
pub const XS_NAMESPACE: &str = "http://www.w3.org/2001/XMLSchema";

/// Parses `path`, resolving `xs:include`s from local files (names may hold spaces), and
/// interprets the result into `MetaTypes` (no renderer: callers walk the types).
pub fn read(path: &Path) -> anyhow::Result<(Schemas, MetaTypes)> {
    let schemas = Parser::new()
        .with_resolver(FileResolver::new())
        .resolve_includes(true)
        .with_default_namespaces()
        .add_schema_from_file(path)
        .with_context(|| format!("reading {}", path.display()))?
        .finish();
    let (types, _) = Interpreter::new(&schemas)
        .with_buildin_types()?
        .with_default_typedefs()?
        .with_xs_any_type()?
        .finish()
        .with_context(|| format!("interpreting {}", path.display()))?;
    Ok((schemas, types))
}

/// Whether `ident` is a type of the XML Schema namespace (`xs:string`, ...).
pub fn is_xs(types: &MetaTypes, ident: &TypeIdent) -> bool {
    types
        .modules
        .get(&ident.ns)
        .and_then(|m| m.namespace.as_ref())
        .is_some_and(|ns| ns.to_string() == XS_NAMESPACE)
}

/// The type `ident` names.
pub fn get<'a>(types: &'a MetaTypes, ident: &TypeIdent) -> anyhow::Result<&'a MetaType> {
    types
        .items
        .get(ident)
        .ok_or_else(|| anyhow!("type {} not found", ident.name.as_str()))
}
