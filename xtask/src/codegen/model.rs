//! The small model the generator works on, and how it is read from xsd-parser's
//! language-neutral `MetaTypes`.
//!
//! Reading the schema is xsd-parser's job; deciding what Rust to write is ours, so the
//! model keeps only what the emitter needs: named types, their fields with occurrence
//! and documentation, enumerations, and where the content model needs code that
//! yaserde's derive cannot express (choices, `xs:any`).

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, anyhow, bail};
use xsd_parser::models::meta::{
    AttributeMetaVariant, ElementMeta, ElementMetaVariant, ElementMode, GroupMeta, MetaType,
    MetaTypeVariant, MetaTypes,
};
use xsd_parser::models::schema::MaxOccurs;
use xsd_parser::models::schema::xs::Use;
use xsd_parser::models::{IdentType, TypeIdent};

use super::names;

/// The file holding the shared structures our function schemas include.
pub const COMMON_SCHEMA: &str = "ClientIntegrationTypes";

/// One schema file's worth of generated types.
#[derive(Debug, Clone, PartialEq)]
pub struct Module {
    /// Types in the order they are emitted (sorted by name, for stable output).
    pub types: Vec<TypeDef>,
}

/// One function version: `<Function> v<Version>.xsd`.
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionSchema {
    pub file_name: String,
    pub function: String,
    /// Other names the schema accepts for the function (ERRATA E2).
    pub aliases: Vec<String>,
    pub version: String,
    pub parameters: String,
    pub result: String,
    /// Types defined in this file (parameters, result and their own structures).
    pub module: Module,
    /// Whether the file includes the common schema (else it is self-contained).
    pub uses_common: bool,
    /// Whether the function only reads (`read`) or may change something (`write`), from
    /// the `systmone:call-kind` appinfo of its FunctionName type.
    pub call_kind: CallKindName,
}

/// The two call kinds an XSD may declare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallKindName {
    Read,
    Write,
}

/// The `<xs:appinfo source="systmone:call-kind">` text of `<Function>FunctionName`
/// (xsd-parser keeps documentation, not appinfo, so the file is scanned for it).
fn call_kind(path: &Path, function: &str) -> anyhow::Result<CallKindName> {
    use xml::reader::{EventReader, XmlEvent};
    let file = std::fs::File::open(path).with_context(|| format!("{}", path.display()))?;
    let type_name = format!("{function}FunctionName");
    let mut in_type = false;
    let mut in_appinfo = false;
    let mut found = Vec::new();
    for event in EventReader::new(std::io::BufReader::new(file)) {
        match event.with_context(|| format!("{}", path.display()))? {
            XmlEvent::StartElement {
                name, attributes, ..
            } => {
                let attribute = |key: &str| {
                    attributes
                        .iter()
                        .find(|a| a.name.local_name == key)
                        .map(|a| a.value.clone())
                };
                if name.local_name == "simpleType" {
                    in_type = attribute("name").as_deref() == Some(type_name.as_str());
                }
                in_appinfo = in_type
                    && name.local_name == "appinfo"
                    && attribute("source").as_deref() == Some(CALL_KIND_SOURCE);
            }
            XmlEvent::Characters(text) if in_appinfo => found.push(text.trim().to_string()),
            XmlEvent::EndElement { name } => {
                if name.local_name == "appinfo" {
                    in_appinfo = false;
                }
                if name.local_name == "simpleType" {
                    in_type = false;
                }
            }
            _ => {}
        }
    }
    match found.as_slice() {
        [kind] if kind == "read" => Ok(CallKindName::Read),
        [kind] if kind == "write" => Ok(CallKindName::Write),
        // A schema from elsewhere (a vendor file fetched with fetch-xsd) says nothing:
        // the safe reading is a write, never retried blindly.
        [] => {
            eprintln!(
                "warning: {}: {type_name} has no <xs:appinfo source=\"{CALL_KIND_SOURCE}\">; treated as a write (never retried). Add read or write.",
                path.display()
            );
            Ok(CallKindName::Write)
        }
        other => bail!(
            "{}: {type_name} needs exactly one <xs:appinfo source=\"{CALL_KIND_SOURCE}\">read</xs:appinfo> or ...>write<..., found {other:?}",
            path.display()
        ),
    }
}

/// The appinfo source naming a function's call kind.
pub const CALL_KIND_SOURCE: &str = "systmone:call-kind";

#[derive(Debug, Clone, PartialEq)]
pub enum TypeDef {
    Struct(Struct),
    Enum(Enum),
    /// A restricted simple type with no enumeration: an alias of its base.
    Alias {
        name: String,
        doc: Vec<String>,
        target: TypeRef,
    },
    /// The elements an `xs:any` may hold: every global element the schemas declare,
    /// plus raw XML for the rest.
    AnyElement {
        name: String,
        items: Vec<Field>,
    },
}

impl TypeDef {
    pub fn name(&self) -> &str {
        match self {
            TypeDef::Struct(s) => &s.name,
            TypeDef::Enum(e) => &e.name,
            TypeDef::Alias { name, .. } | TypeDef::AnyElement { name, .. } => name,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Struct {
    pub name: String,
    pub doc: Vec<String>,
    pub attributes: Vec<Attribute>,
    pub members: Vec<Member>,
    /// The element name used when the type is written on its own.
    pub xml_name: String,
    /// The members may come in any order (`xs:all`, or a repeated `xs:choice` of
    /// repeatable members): read without reporting their order, written in declared
    /// order (FIELD-EVIDENCE F14: SystmOne reads parameters in any order).
    pub any_order: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Attribute {
    pub xml_name: String,
    pub rust_name: String,
    pub ty: TypeRef,
    pub required: bool,
    pub doc: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Member {
    Field(Field),
    /// `xs:choice` of elements: one enum value, optional, or a list.
    Choice {
        rust_name: String,
        enum_name: String,
        occurs: Occurs,
        variants: Vec<Field>,
        doc: Vec<String>,
    },
    /// `xs:any`: the elements in document order.
    Any {
        rust_name: String,
        item_type: String,
        doc: Vec<String>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub xml_name: String,
    pub rust_name: String,
    pub ty: TypeRef,
    pub occurs: Occurs,
    pub doc: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Occurs {
    One,
    Optional,
    Many,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Enum {
    pub name: String,
    pub doc: Vec<String>,
    /// (Rust variant, XML value)
    pub values: Vec<(String, String)>,
    /// ERRATA E3: an open enumeration keeps unknown values in an `Other` variant.
    pub open: bool,
}

/// A field's Rust type.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum TypeRef {
    String,
    Bool,
    U64,
    I64,
    F64,
    /// A hand-written type of `systmone-core` (`Flag`, `DateTime`, ...).
    Core(String),
    /// A generated type: its name and whether it is written as text (enumerations,
    /// aliases) or as an element with children.
    Named {
        name: String,
        text: bool,
    },
    /// A text type whose element may also be present and empty (FIELD-EVIDENCE F8:
    /// a union with `EmptyText`).
    OrEmpty(Box<TypeRef>),
}

/// The simple type of the empty string, for "present but empty" unions (F8).
pub const EMPTY_TEXT: &str = "EmptyText";

impl TypeRef {
    /// Text-valued types are read and written with `FromStr`/`Display`.
    pub fn is_text(&self) -> bool {
        match self {
            TypeRef::String | TypeRef::Bool | TypeRef::U64 | TypeRef::I64 | TypeRef::F64 => true,
            TypeRef::Core(name) => CORE_TEXT_TYPES.contains(&name.as_str()),
            TypeRef::Named { text, .. } => *text,
            TypeRef::OrEmpty(inner) => inner.is_text(),
        }
    }

    /// Whether an empty element is an expected value (F8), not drift.
    pub fn empty_allowed(&self) -> bool {
        matches!(self, TypeRef::OrEmpty(_))
    }
}

const CORE_TEXT_TYPES: [&str; 6] = [
    "Flag",
    "DateTime",
    "Date",
    "DurationMinutes",
    "DrugScheme",
    "CodeScheme",
];

fn core_type(schema_name: &str) -> Option<&'static str> {
    Some(match schema_name {
        "Flag" => "Flag",
        "LenientDateTime" => "DateTime",
        "Date" => "Date",
        // F15: what SystmOne types xs:date, read leniently (E7) and written as a date.
        "LenientDate" => "Date",
        "DurationMinutes" => "DurationMinutes",
        "DrugScheme" => "DrugScheme",
        "CodeScheme" => "CodeScheme",
        "OutputScheme" => "OutputScheme",
        _ => return None,
    })
}

/// Everything read from one function schema file.
pub struct Loaded {
    pub function: FunctionSchema,
    /// Types of the common schema, when the file includes it.
    pub common: Option<Module>,
}

/// Reads `<Function> v<Version>.xsd` (and what it includes) into the model.
pub fn load(path: &Path) -> anyhow::Result<Loaded> {
    let file_name = path
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| anyhow!("{}: not a file name", path.display()))?
        .to_string();
    let (function, written_version) = names::parse_schema_file_name(&file_name)
        .ok_or_else(|| anyhow!("{file_name}: schema files are named `<Function> v<N.N>.xsd`"))?;
    // F13: a version is a number (`v1` and `v1.0` name one version); ours is spelt `1.0`,
    // and so are crate names (`_v1_0`).
    let version = systmone_core::versions::canonical_version(&written_version);

    let (schemas, types) = systmone_upkeep::schema::read(path)?;

    let mut main_schema = None;
    let mut common_schema = None;
    for (id, info) in schemas.schemas() {
        match info.name.as_deref() {
            Some(n) if n == COMMON_SCHEMA => common_schema = Some(*id),
            Some(n) if n == file_name.trim_end_matches(".xsd") => main_schema = Some(*id),
            _ => {}
        }
    }
    let main_schema =
        main_schema.ok_or_else(|| anyhow!("{file_name}: schema not found after parsing"))?;

    let reader = Reader {
        types: &types,
        function: function.clone(),
    };

    let mut function_types = Vec::new();
    let mut common_types = Vec::new();
    let mut globals: Vec<Field> = Vec::new();
    let mut parameters = None;
    let mut result = None;
    let mut names_enum = None;
    let mut version_enum = None;

    for (ident, ty) in &types.items {
        if reader.is_xs(ident) || ident.type_ == IdentType::BuildIn || ident.name.is_generated() {
            continue;
        }
        let schema = ident.schema;
        let into_common = Some(schema) == common_schema;
        if !into_common && schema != main_schema {
            continue;
        }
        let name = ident.name.as_str().to_string();
        match ident.type_ {
            IdentType::Element => {
                if name == "ClientIntegrationRequest" || name == "ClientIntegrationResponse" {
                    continue;
                }
                // A global element: a member of what `xs:any` may hold.
                let target = match &ty.variant {
                    MetaTypeVariant::Reference(r) => &r.type_,
                    _ => bail!("global element {name}: unexpected shape"),
                };
                globals.push(Field {
                    rust_name: names::variant_name(&name),
                    xml_name: name.clone(),
                    ty: reader.type_ref(target)?,
                    occurs: Occurs::One,
                    doc: ty.documentation.clone(),
                });
                continue;
            }
            IdentType::ElementType => continue,
            IdentType::Type => {}
            _ => continue,
        }
        if name == format!("{function}FunctionName") {
            names_enum = Some(reader.enum_values(ty)?);
            continue;
        }
        if name == format!("{function}FunctionVersion") {
            version_enum = Some(reader.enum_values(ty)?);
            continue;
        }
        if name == format!("{function}Response") {
            result = Some(reader.result_struct(ident, ty)?);
            continue;
        }
        if core_type(&name).is_some() && (into_common || common_schema.is_none()) {
            continue;
        }
        let def = reader.type_def(&name, ty)?;
        if name == format!("{function}Parameters") {
            parameters = Some(name.clone());
        }
        if into_common {
            common_types.push(def);
        } else {
            function_types.push(def);
        }
    }

    let result = result.ok_or_else(|| anyhow!("{file_name}: no {function}Response type"))?;
    let result_name = result.name.clone();
    function_types.push(TypeDef::Struct(result));

    // `xs:any` content: one enum of the global elements, in the module that uses it.
    if !globals.is_empty() {
        globals.sort_by(|a, b| a.xml_name.cmp(&b.xml_name));
        let any = TypeDef::AnyElement {
            name: "DataItem".into(),
            items: globals,
        };
        if common_schema.is_some() {
            common_types.push(any);
        } else {
            function_types.push(any);
        }
    }

    let mut function_names =
        names_enum.ok_or_else(|| anyhow!("{file_name}: no {function}FunctionName type"))?;
    if !function_names.iter().any(|n| n == &function) {
        bail!("{file_name}: {function}FunctionName does not list {function}");
    }
    function_names.retain(|n| n != &function);
    let versions =
        version_enum.ok_or_else(|| anyhow!("{file_name}: no {function}FunctionVersion type"))?;
    if !matches!(versions.as_slice(), [v] if systmone_core::versions::same_version(v, &version)) {
        bail!(
            "{file_name}: {function}FunctionVersion lists {versions:?}, the file name says {version}"
        );
    }

    function_types.sort_by(|a, b| a.name().cmp(b.name()));
    common_types.sort_by(|a, b| a.name().cmp(b.name()));
    Ok(Loaded {
        function: FunctionSchema {
            file_name,
            function: function.clone(),
            aliases: function_names,
            version,
            parameters: parameters
                .ok_or_else(|| anyhow!("{function}: no {function}Parameters type"))?,
            result: result_name,
            module: Module {
                types: function_types,
            },
            uses_common: common_schema.is_some(),
            call_kind: call_kind(path, &function)?,
        },
        common: common_schema.map(|_| Module {
            types: common_types,
        }),
    })
}

struct Reader<'a> {
    types: &'a MetaTypes,
    function: String,
}

impl Reader<'_> {
    fn is_xs(&self, ident: &TypeIdent) -> bool {
        systmone_upkeep::schema::is_xs(self.types, ident)
    }

    fn get(&self, ident: &TypeIdent) -> anyhow::Result<&MetaType> {
        Ok(systmone_upkeep::schema::get(self.types, ident)?)
    }

    fn enum_values(&self, ty: &MetaType) -> anyhow::Result<Vec<String>> {
        match &ty.variant {
            MetaTypeVariant::Enumeration(e) => Ok(e
                .variants
                .iter()
                .map(|v| v.ident.name.as_str().to_string())
                .collect()),
            _ => bail!("expected an enumeration"),
        }
    }

    /// The Rust type of an element's or attribute's XSD type.
    fn type_ref(&self, ident: &TypeIdent) -> anyhow::Result<TypeRef> {
        let name = ident.name.as_str();
        if self.is_xs(ident) {
            return Ok(match name {
                "string" | "normalizedString" | "token" | "anyURI" => TypeRef::String,
                "boolean" => TypeRef::Bool,
                "unsignedLong" | "unsignedInt" | "nonNegativeInteger" | "positiveInteger" => {
                    TypeRef::U64
                }
                "integer" | "long" | "int" => TypeRef::I64,
                "decimal" | "double" | "float" => TypeRef::F64,
                "date" => TypeRef::Core("Date".into()),
                "dateTime" => TypeRef::Core("DateTime".into()),
                other => bail!("XSD type xs:{other} is not supported by the generator"),
            });
        }
        let ty = self.get(ident)?;
        if ident.type_ == IdentType::Element {
            // A reference to a global element: its type.
            return match &ty.variant {
                MetaTypeVariant::Reference(r) => self.type_ref(&r.type_),
                _ => bail!("element {name}: unexpected shape"),
            };
        }
        if let Some(core) = core_type(name)
            && !ident.name.is_generated()
        {
            return Ok(TypeRef::Core(core.into()));
        }
        if ident.name.is_generated() {
            bail!(
                "anonymous type {name} in {}: give every simple and complex type a name",
                self.function
            );
        }
        // F8: a union of a type and `EmptyText` is that type, present but possibly
        // empty (an empty value is kept, not reported as drift).
        if let MetaTypeVariant::Union(u) = &ty.variant {
            let members: Vec<&TypeIdent> = u.types.iter().map(|m| &m.type_).collect();
            if members.len() == 2 && members.iter().any(|m| m.name.as_str() == EMPTY_TEXT) {
                let inner = members
                    .iter()
                    .find(|m| m.name.as_str() != EMPTY_TEXT)
                    .expect("two members, one EmptyText");
                return Ok(TypeRef::OrEmpty(Box::new(self.type_ref(inner)?)));
            }
        }
        // A restricted simple type (Uid, PatientNumber) is written as its base type in
        // fields: yaserde's derive treats only the primitive names as text.
        if let MetaTypeVariant::SimpleType(simple) = &ty.variant {
            return self.builtin_ref(&simple.base);
        }
        let text = !matches!(ty.variant, MetaTypeVariant::ComplexType(_));
        Ok(TypeRef::Named {
            name: names::type_name(name),
            text,
        })
    }

    fn type_def(&self, name: &str, ty: &MetaType) -> anyhow::Result<TypeDef> {
        let rust_name = names::type_name(name);
        match &ty.variant {
            MetaTypeVariant::Enumeration(e) => Ok(TypeDef::Enum(Enum {
                name: rust_name,
                doc: ty.documentation.clone(),
                values: e
                    .variants
                    .iter()
                    .map(|v| {
                        let value = v.ident.name.as_str().to_string();
                        (names::enum_variant(&value), value)
                    })
                    .collect(),
                open: false,
            })),
            MetaTypeVariant::Union(u)
                if u.types.len() == 2
                    && u.types.iter().any(|m| m.type_.name.as_str() == EMPTY_TEXT) =>
            {
                // F8: the type, possibly empty; fields use `TypeRef::OrEmpty`.
                let inner = u
                    .types
                    .iter()
                    .find(|m| m.type_.name.as_str() != EMPTY_TEXT)
                    .expect("two members, one EmptyText");
                Ok(TypeDef::Alias {
                    name: rust_name,
                    doc: ty.documentation.clone(),
                    target: self.type_ref(&inner.type_)?,
                })
            }
            MetaTypeVariant::Union(u) => {
                // ERRATA E3: a union of enumerations and free text is an open enumeration.
                let mut values = Vec::new();
                let mut open = false;
                for member in u.types.iter() {
                    let member_ty = self.get(&member.type_)?;
                    match &member_ty.variant {
                        MetaTypeVariant::Enumeration(e) => {
                            for v in e.variants.iter() {
                                let value = v.ident.name.as_str().to_string();
                                if !values.iter().any(|(_, x)| x == &value) {
                                    values.push((names::enum_variant(&value), value));
                                }
                            }
                        }
                        _ => open = true,
                    }
                }
                if values.is_empty() {
                    bail!("union {name}: only unions of enumerations (and text) are supported");
                }
                Ok(TypeDef::Enum(Enum {
                    name: rust_name,
                    doc: ty.documentation.clone(),
                    values,
                    open,
                }))
            }
            MetaTypeVariant::SimpleType(s) => Ok(TypeDef::Alias {
                name: rust_name,
                doc: ty.documentation.clone(),
                target: self.builtin_ref(&s.base)?,
            }),
            MetaTypeVariant::ComplexType(_) => Ok(TypeDef::Struct(self.struct_def(name, ty)?)),
            MetaTypeVariant::Reference(r) => Ok(TypeDef::Alias {
                name: rust_name,
                doc: ty.documentation.clone(),
                target: self.type_ref(&r.type_)?,
            }),
            other => bail!("type {name}: {} is not supported", variant_kind(other)),
        }
    }

    /// The base of a restricted simple type, which xsd-parser resolves to a built-in.
    fn builtin_ref(&self, ident: &TypeIdent) -> anyhow::Result<TypeRef> {
        if ident.type_ == IdentType::BuildIn {
            return Ok(match ident.name.as_str() {
                "String" => TypeRef::String,
                "bool" => TypeRef::Bool,
                "u64" | "u32" | "usize" => TypeRef::U64,
                "i64" | "i32" | "isize" => TypeRef::I64,
                "f64" | "f32" => TypeRef::F64,
                other => bail!("built-in {other} is not supported"),
            });
        }
        self.type_ref(ident)
    }

    fn struct_def(&self, name: &str, ty: &MetaType) -> anyhow::Result<Struct> {
        let MetaTypeVariant::ComplexType(complex) = &ty.variant else {
            bail!("{name}: not a complex type");
        };
        let mut attributes = Vec::new();
        for attribute in complex.attributes.iter() {
            let AttributeMetaVariant::Type(t) = &attribute.variant else {
                bail!("{name}: xs:anyAttribute is not supported");
            };
            let xml_name = attribute.ident.name.as_str().to_string();
            attributes.push(Attribute {
                rust_name: names::field_name(&xml_name),
                xml_name,
                ty: self.type_ref(t)?,
                required: attribute.use_ == Use::Required,
                doc: attribute.documentation.clone(),
            });
        }
        let mut members = Vec::new();
        let mut any_order = false;
        if let Some(content) = &complex.content {
            let repeated = !matches!(complex.max_occurs, MaxOccurs::Bounded(1));
            let content_ty = self.get(content)?;
            any_order = self.in_any_order(content_ty)?;
            self.collect_members(
                name,
                content_ty,
                repeated,
                complex.min_occurs == 0,
                &mut members,
            )?;
        }
        Ok(Struct {
            name: names::type_name(name),
            doc: ty.documentation.clone(),
            attributes,
            members,
            xml_name: name.to_string(),
            any_order,
        })
    }

    /// Whether content lets its members come in any order: `xs:all`, or a sequence
    /// holding a repeated `xs:choice` of repeatable elements (XSD 1.0's way to let
    /// repeatable elements come in any order, which `xs:all` cannot hold).
    fn in_any_order(&self, content: &MetaType) -> anyhow::Result<bool> {
        Ok(match &content.variant {
            MetaTypeVariant::All(_) => true,
            MetaTypeVariant::Sequence(group) => {
                let mut any = false;
                for element in group.elements.iter() {
                    any |= self.repeated_choice(element)?.is_some();
                }
                any
            }
            _ => false,
        })
    }

    /// The choice a sequence member stands for, when it is a repeated `xs:choice` whose
    /// elements are each declared repeatable (`maxOccurs="unbounded"`): members in any
    /// order. A repeated choice of single elements (GetDiary's Appointment or Visit) is
    /// a list of items in document order instead.
    fn repeated_choice<'b>(
        &'b self,
        element: &ElementMeta,
    ) -> anyhow::Result<Option<&'b GroupMeta>> {
        let ElementMetaVariant::Type {
            type_,
            mode: ElementMode::Group,
        } = &element.variant
        else {
            return Ok(None);
        };
        if matches!(element.max_occurs, MaxOccurs::Bounded(1)) {
            return Ok(None);
        }
        Ok(match &self.get(type_)?.variant {
            MetaTypeVariant::Choice(choice)
                if choice
                    .elements
                    .iter()
                    .all(|e| !matches!(e.max_occurs, MaxOccurs::Bounded(1))) =>
            {
                Some(choice)
            }
            _ => None,
        })
    }

    /// Flattens a content model into members: sequences and `xs:all` contribute their
    /// elements, choices become one enum member, wildcards an `Any` member.
    fn collect_members(
        &self,
        owner: &str,
        content: &MetaType,
        repeated: bool,
        optional: bool,
        members: &mut Vec<Member>,
    ) -> anyhow::Result<()> {
        match &content.variant {
            MetaTypeVariant::Sequence(group) | MetaTypeVariant::All(group) => {
                for element in group.elements.iter() {
                    self.collect_element(owner, element, members)?;
                }
                Ok(())
            }
            MetaTypeVariant::Choice(group) => {
                let occurs = if repeated {
                    Occurs::Many
                } else if optional {
                    Occurs::Optional
                } else {
                    Occurs::One
                };
                let mut variants = Vec::new();
                for element in group.elements.iter() {
                    match &element.variant {
                        ElementMetaVariant::Type {
                            type_,
                            mode: ElementMode::Element,
                        } => {
                            let xml_name = element.ident.name.as_str().to_string();
                            variants.push(Field {
                                rust_name: names::choice_variant(owner, &xml_name),
                                ty: self.type_ref(type_)?,
                                occurs: Occurs::One,
                                doc: self.element_doc(element, type_)?,
                                xml_name,
                            });
                        }
                        _ => bail!("{owner}: a choice may only hold elements"),
                    }
                }
                let (enum_name, rust_name) = names::choice_names(owner, occurs == Occurs::Many);
                members.push(Member::Choice {
                    rust_name,
                    enum_name,
                    occurs,
                    variants,
                    doc: content.documentation.clone(),
                });
                Ok(())
            }
            other => bail!("{owner}: content {} is not supported", variant_kind(other)),
        }
    }

    fn collect_element(
        &self,
        owner: &str,
        element: &ElementMeta,
        members: &mut Vec<Member>,
    ) -> anyhow::Result<()> {
        let max_many = !matches!(element.max_occurs, MaxOccurs::Bounded(1));
        match &element.variant {
            ElementMetaVariant::Any { .. } => {
                members.push(Member::Any {
                    rust_name: "items".into(),
                    item_type: "DataItem".into(),
                    doc: element.documentation.clone(),
                });
                Ok(())
            }
            ElementMetaVariant::Text => bail!("{owner}: mixed content is not supported"),
            ElementMetaVariant::Type {
                type_,
                mode: ElementMode::Group,
            } => {
                // A repeated choice inside a sequence: its elements in any order, each
                // a member of its own (the struct reads in any order, `in_any_order`).
                if let Some(choice) = self.repeated_choice(element)? {
                    for branch in choice.elements.iter() {
                        self.collect_element(owner, branch, members)?;
                    }
                    return Ok(());
                }
                let group = self.get(type_)?;
                self.collect_members(owner, group, max_many, element.min_occurs == 0, members)
            }
            ElementMetaVariant::Type {
                type_,
                mode: ElementMode::Element,
            } => {
                let xml_name = element.ident.name.as_str().to_string();
                let occurs = if max_many {
                    Occurs::Many
                } else if element.min_occurs == 0 {
                    Occurs::Optional
                } else {
                    Occurs::One
                };
                members.push(Member::Field(Field {
                    rust_name: names::field_name(&xml_name),
                    ty: self.type_ref(type_)?,
                    occurs,
                    doc: self.element_doc(element, type_)?,
                    xml_name,
                }));
                Ok(())
            }
        }
    }

    /// An element's documentation; for `<xs:element ref>`, the global element's.
    fn element_doc(&self, element: &ElementMeta, type_: &TypeIdent) -> anyhow::Result<Vec<String>> {
        if !element.documentation.is_empty() {
            return Ok(element.documentation.clone());
        }
        if type_.type_ == IdentType::Element {
            return Ok(self.get(type_)?.documentation.clone());
        }
        Ok(Vec::new())
    }

    /// `<Function>Response` is a choice of the standard error form and the
    /// function-specific content; the result is the latter, as a struct.
    fn result_struct(&self, ident: &TypeIdent, ty: &MetaType) -> anyhow::Result<Struct> {
        let MetaTypeVariant::ComplexType(complex) = &ty.variant else {
            bail!("{}: not a complex type", ident.name.as_str());
        };
        let content = complex
            .content
            .as_ref()
            .ok_or_else(|| anyhow!("{}: no content", ident.name.as_str()))?;
        let MetaTypeVariant::Choice(choice) = &self.get(content)?.variant else {
            bail!(
                "{}: expected a choice of ErrorContent and the result",
                ident.name.as_str()
            );
        };
        let result_name = format!("{}Result", self.function);
        let mut members = Vec::new();
        // xsd-parser drops an empty group, so a result with no elements (ExitClient)
        // leaves only the error branch.
        if let Some(branch) = choice
            .elements
            .iter()
            .find(|e| e.ident.name.as_str() == result_name)
        {
            let ElementMetaVariant::Type {
                type_,
                mode: ElementMode::Group,
            } = &branch.variant
            else {
                bail!("{result_name}: expected a group");
            };
            self.collect_members(&result_name, self.get(type_)?, false, false, &mut members)?;
        } else if choice.elements.len() != 1 {
            bail!("{}: no branch {result_name}", ident.name.as_str());
        }
        Ok(Struct {
            name: names::type_name(&result_name),
            doc: vec![format!(
                "The function-specific content of a successful {} response.",
                self.function
            )],
            attributes: Vec::new(),
            members,
            xml_name: "Response".into(),
            any_order: false,
        })
    }
}

fn variant_kind(variant: &MetaTypeVariant) -> &'static str {
    match variant {
        MetaTypeVariant::Union(_) => "a union",
        MetaTypeVariant::BuildIn(_) => "a built-in",
        MetaTypeVariant::Custom(_) => "a custom type",
        MetaTypeVariant::Reference(_) => "a reference",
        MetaTypeVariant::Enumeration(_) => "an enumeration",
        MetaTypeVariant::Dynamic(_) => "a dynamic type",
        MetaTypeVariant::All(_) => "xs:all",
        MetaTypeVariant::Choice(_) => "xs:choice",
        MetaTypeVariant::Sequence(_) => "xs:sequence",
        MetaTypeVariant::ComplexType(_) => "a complex type",
        MetaTypeVariant::SimpleType(_) => "a simple type",
    }
}

/// The model of every schema in `dir`, keyed by file name.
pub fn load_dir(dir: &Path) -> anyhow::Result<(BTreeMap<String, FunctionSchema>, Option<Module>)> {
    let mut functions = BTreeMap::new();
    let mut common: Option<Module> = None;
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let Some(file_name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if !file_name.ends_with(".xsd") || file_name == format!("{COMMON_SCHEMA}.xsd") {
            continue;
        }
        let loaded = load(&path)?;
        if let Some(module) = loaded.common {
            match &common {
                None => common = Some(module),
                Some(existing) if *existing == module => {}
                Some(_) => {
                    bail!("{file_name}: the common schema reads differently from another file")
                }
            }
        }
        functions.insert(file_name.to_string(), loaded.function);
    }
    Ok((functions, common))
}
