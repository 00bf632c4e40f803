//! Reading an XSD (and what it includes) into xsd-parser's language-neutral
//! `MetaTypes`: the one pipeline the code generator and the schema diff share.

use std::path::{Path, PathBuf};

use xsd_parser::models::TypeIdent;
use xsd_parser::models::meta::{MetaType, MetaTypes};
use xsd_parser::pipeline::interpreter::Error as InterpreterError;
use xsd_parser::pipeline::parser::Error as ParserError;
use xsd_parser::pipeline::parser::resolver::FileResolver;
use xsd_parser::{Interpreter, Parser, Schemas};

/// The XML Schema namespace.
pub const XS_NAMESPACE: &str = "http://www.w3.org/2001/XMLSchema";

/// Why a schema could not be read ([`read`]) or a type looked up ([`get`]).
///
/// ```
/// use systmone_upkeep::schema::{read, SchemaError};
/// let error = read(std::path::Path::new("no such dir/GetDiary v1.0.xsd")).unwrap_err();
/// assert!(matches!(error, SchemaError::Parse { .. }));
/// assert!(error.to_string().contains("no such dir/GetDiary v1.0.xsd"));
/// ```
#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    /// The file, or a file it includes, could not be opened or is not a well-formed
    /// schema.
    #[error("cannot read the schema {} (or a file it includes)", path.display())]
    Parse {
        /// The schema file asked for (the failing include is named in `source`).
        path: PathBuf,
        /// What xsd-parser's parser (or its file resolver) said. Boxed: it is large.
        #[source]
        source: Box<ParserError<std::io::Error>>,
    },
    /// The schema parsed but its types do not make sense (a type defined twice, a
    /// reference to a type no file defines, ...).
    #[error("cannot interpret the types of the schema {}", path.display())]
    Interpret {
        /// The schema file asked for.
        path: PathBuf,
        /// What xsd-parser's interpreter said. Boxed: it is large.
        #[source]
        source: Box<InterpreterError>,
    },
    /// [`get`]: the interpreted types hold no type of this name.
    #[error("type {name} not found")]
    TypeNotFound {
        /// The type's name, as the schema writes it.
        name: String,
    },
}

/// Parses `path`, resolving `xs:include`s from local files (names may hold spaces), and
/// interprets the result into `MetaTypes` (no renderer: callers walk the types).
pub fn read(path: &Path) -> Result<(Schemas, MetaTypes), SchemaError> {
    let schemas = Parser::new()
        .with_resolver(FileResolver::new())
        .resolve_includes(true)
        .with_default_namespaces()
        .add_schema_from_file(path)
        .map_err(|source| SchemaError::Parse {
            path: path.to_path_buf(),
            source: Box::new(source),
        })?
        .finish();
    let interpret = |source| SchemaError::Interpret {
        path: path.to_path_buf(),
        source: Box::new(source),
    };
    let (types, _) = Interpreter::new(&schemas)
        .with_buildin_types()
        .map_err(interpret)?
        .with_default_typedefs()
        .map_err(interpret)?
        .with_xs_any_type()
        .map_err(interpret)?
        .finish()
        .map_err(interpret)?;
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
pub fn get<'a>(types: &'a MetaTypes, ident: &TypeIdent) -> Result<&'a MetaType, SchemaError> {
    types
        .items
        .get(ident)
        .ok_or_else(|| SchemaError::TypeNotFound {
            name: ident.name.as_str().to_string(),
        })
}
