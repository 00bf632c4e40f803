//! The schema model at run time: the model codegen read from the XSDs
//! (`model.rs`), emitted as static data of `systmone_core::schema` types into
//! `crates/bindings/src/models.rs`, one `FunctionModel` per function version, with the
//! functions that build and describe requests through it (`AnyRequest::from_parameters`).
//! Nothing reads an XSD at run time.

use std::collections::BTreeMap;

use anyhow::{Context, anyhow, bail};
use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use super::model::{Field, FunctionSchema, Member, Module, Occurs, Struct, TypeDef, TypeRef};
use super::names;

fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

/// Documentation as one text: each paragraph's whitespace collapsed (the XSDs wrap
/// their text), paragraphs separated by a blank line.
fn doc_text(lines: &[String]) -> String {
    lines
        .iter()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// The errata (`E7`) and field evidence (`F17`) numbers `doc` cites, in order of first
/// mention.
pub fn cites(doc: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for word in doc.split(|c: char| !c.is_ascii_alphanumeric()) {
        let mut chars = word.chars();
        let is_cite = matches!(chars.next(), Some('E' | 'F'))
            && word.len() > 1
            && chars.all(|c| c.is_ascii_digit());
        if is_cite && !found.iter().any(|f| f == word) {
            found.push(word.to_string());
        }
    }
    found
}

/// Where a type is defined: the common schema, or a function's own file.
#[derive(Clone, Copy)]
struct Scope<'m> {
    /// The static names' prefix (`COMMON`, `GET_PATIENT_RECORD_V1_0`).
    prefix: &'m str,
    module: &'m Module,
}

struct Emitter<'m> {
    common: Option<Scope<'m>>,
}

impl<'m> Emitter<'m> {
    /// The definition of `name` seen from `scope`: the function's own types shadow the
    /// common ones (as the generated `use systmone_types::*` does).
    fn resolve(&self, scope: Scope<'m>, name: &str) -> anyhow::Result<(Scope<'m>, &'m TypeDef)> {
        for s in [Some(scope), self.common].into_iter().flatten() {
            if let Some(def) = s.module.types.iter().find(|d| d.name() == name) {
                return Ok((s, def));
            }
        }
        bail!(
            "type {name} is not defined in {} or the common schema",
            scope.prefix
        )
    }

    fn static_name(scope: Scope<'_>, name: &str) -> Ident {
        ident(&format!("{}__{name}", scope.prefix))
    }

    /// `systmone_core::schema::Text { .. }` for a text type.
    fn text(&self, scope: Scope<'m>, ty: &TypeRef, doc: &str) -> anyhow::Result<TokenStream> {
        let (type_name, form, empty_allowed) = self.text_parts(scope, ty, doc)?;
        Ok(quote! {
            systmone_core::schema::Text { type_name: #type_name, form: #form, empty_allowed: #empty_allowed }
        })
    }

    fn text_parts(
        &self,
        scope: Scope<'m>,
        ty: &TypeRef,
        doc: &str,
    ) -> anyhow::Result<(String, TokenStream, bool)> {
        let l = quote!(systmone_core::schema::Lexical);
        Ok(match ty {
            TypeRef::String => {
                // F17: a list each practice configures is open text whose annotation
                // says so.
                if cites(doc).iter().any(|c| c == "F17") {
                    ("string".into(), quote!(#l::Configured), false)
                } else {
                    ("string".into(), quote!(#l::Text), false)
                }
            }
            TypeRef::Bool => ("boolean".into(), quote!(#l::Boolean), false),
            TypeRef::U64 => ("nonNegativeInteger".into(), quote!(#l::Unsigned), false),
            TypeRef::I64 => ("integer".into(), quote!(#l::Integer), false),
            TypeRef::F64 => ("decimal".into(), quote!(#l::Decimal), false),
            TypeRef::Core(name) => {
                let form = match name.as_str() {
                    "Date" => quote!(#l::Date),
                    "DateTime" => quote!(#l::DateTime),
                    "DurationMinutes" => quote!(#l::Minutes),
                    "Flag" => quote!(#l::Flag),
                    "DrugScheme" | "CodeScheme" => {
                        let core = ident(name);
                        quote!(#l::OneOf { values: systmone_core::#core::VALUES, open: false })
                    }
                    other => bail!("core type {other} has no lexical form in the schema model"),
                };
                (name.clone(), form, false)
            }
            TypeRef::Named { name, text: true } => {
                let (def_scope, def) = self.resolve(scope, name)?;
                match def {
                    TypeDef::Enum(e) => {
                        let values = e.values.iter().map(|(_, v)| v);
                        let open = e.open;
                        (
                            name.clone(),
                            quote!(#l::OneOf { values: &[#(#values),*], open: #open }),
                            false,
                        )
                    }
                    TypeDef::Alias { target, .. } => {
                        let (_, form, empty) = self.text_parts(def_scope, target, doc)?;
                        (name.clone(), form, empty)
                    }
                    _ => bail!("{name} is written as text but is not an enumeration or alias"),
                }
            }
            TypeRef::Named { name, text: false } => bail!("{name} is not a text type"),
            TypeRef::OrEmpty(inner) => {
                let (name, form, _) = self.text_parts(scope, inner, doc)?;
                (name, form, true)
            }
        })
    }

    fn occurs(occurs: Occurs) -> TokenStream {
        match occurs {
            Occurs::One => quote!(systmone_core::schema::Occurs::One),
            Occurs::Optional => quote!(systmone_core::schema::Occurs::Optional),
            Occurs::Many => quote!(systmone_core::schema::Occurs::Many),
        }
    }

    /// `systmone_core::schema::Element { .. }`.
    fn element(
        &self,
        scope: Scope<'m>,
        name: &str,
        ty: &TypeRef,
        occurs: Occurs,
        doc: &[String],
    ) -> anyhow::Result<TokenStream> {
        let doc = doc_text(doc);
        let cited = cites(&doc);
        let occurs = Self::occurs(occurs);
        let content = if ty.is_text() {
            let text = self.text(scope, ty, &doc)?;
            quote!(systmone_core::schema::Content::Text(#text))
        } else {
            let target = match ty {
                TypeRef::Named { name, .. } => {
                    let (def_scope, def) = self.resolve(scope, name)?;
                    if !matches!(def, TypeDef::Struct(_)) {
                        bail!("{name}: an element type that is not a structure");
                    }
                    Self::static_name(def_scope, name)
                }
                other => bail!("element {name}: {other:?} has no content in the schema model"),
            };
            quote!(systmone_core::schema::Content::Elements(&#target))
        };
        Ok(quote! {
            systmone_core::schema::Element {
                name: #name,
                occurs: #occurs,
                doc: #doc,
                cites: &[#(#cited),*],
                content: #content,
            }
        })
    }

    fn field(
        &self,
        scope: Scope<'m>,
        field: &Field,
        occurs: Occurs,
    ) -> anyhow::Result<TokenStream> {
        self.element(scope, &field.xml_name, &field.ty, occurs, &field.doc)
            .with_context(|| format!("element {}", field.xml_name))
    }

    /// The static `ComplexType` of a structure.
    fn complex(&self, scope: Scope<'m>, s: &Struct) -> anyhow::Result<TokenStream> {
        let name_ident = Self::static_name(scope, &s.name);
        let name = &s.name;
        let doc = doc_text(&s.doc);
        let cited = cites(&doc);
        let any_order = s.any_order;
        let mut attributes = Vec::new();
        for a in &s.attributes {
            let adoc = doc_text(&a.doc);
            let acites = cites(&adoc);
            let value = self.text(scope, &a.ty, &adoc)?;
            let aname = &a.xml_name;
            let required = a.required;
            attributes.push(quote! {
                systmone_core::schema::Attribute {
                    name: #aname, required: #required, doc: #adoc, cites: &[#(#acites),*], value: #value,
                }
            });
        }
        let mut children = Vec::new();
        for member in &s.members {
            children.push(match member {
                Member::Field(f) => {
                    let element = self.field(scope, f, f.occurs)?;
                    quote!(systmone_core::schema::Particle::Element(#element))
                }
                Member::Choice {
                    occurs, variants, ..
                } => {
                    let occurs = Self::occurs(*occurs);
                    let elements = variants
                        .iter()
                        .map(|v| self.field(scope, v, Occurs::One))
                        .collect::<anyhow::Result<Vec<_>>>()?;
                    quote!(systmone_core::schema::Particle::Choice { occurs: #occurs, elements: &[#(#elements),*] })
                }
                Member::Any { item_type, .. } => {
                    let (def_scope, def) = self.resolve(scope, item_type)?;
                    if !matches!(def, TypeDef::AnyElement { .. }) {
                        bail!("{item_type}: not the elements of an xs:any");
                    }
                    let items = Self::static_name(def_scope, item_type);
                    quote!(systmone_core::schema::Particle::Any { elements: &#items })
                }
            });
        }
        Ok(quote! {
            static #name_ident: systmone_core::schema::ComplexType = systmone_core::schema::ComplexType {
                name: #name,
                doc: #doc,
                cites: &[#(#cited),*],
                attributes: &[#(#attributes),*],
                children: &[#(#children),*],
                any_order: #any_order,
            };
        })
    }

    /// Statics for every structure (and the elements of an `xs:any`) of a module.
    fn module(&self, scope: Scope<'m>) -> anyhow::Result<TokenStream> {
        let mut out = TokenStream::new();
        for def in &scope.module.types {
            match def {
                TypeDef::Struct(s) => {
                    out.extend(self.complex(scope, s).with_context(|| s.name.clone())?)
                }
                TypeDef::AnyElement { name, items } => {
                    let static_name = Self::static_name(scope, name);
                    let count = items.len();
                    let elements = items
                        .iter()
                        .map(|f| self.field(scope, f, Occurs::Many))
                        .collect::<anyhow::Result<Vec<_>>>()?;
                    out.extend(quote! {
                        static #static_name: [systmone_core::schema::Element; #count] = [#(#elements),*];
                    });
                }
                TypeDef::Enum(_) | TypeDef::Alias { .. } => {}
            }
        }
        Ok(out)
    }
}

/// The prefix of a function version's statics: `GET_PATIENT_RECORD_V1_0`.
fn function_prefix(f: &FunctionSchema) -> String {
    names::function_crate(&f.function, &f.version)
        .0
        .to_ascii_uppercase()
}

/// `crates/bindings/src/models.rs`: every function version's model, the look-up, and
/// building a request from parameters through it.
pub fn render(
    functions: &BTreeMap<String, FunctionSchema>,
    common: Option<&Module>,
) -> anyhow::Result<TokenStream> {
    let emitter = Emitter {
        common: common.map(|module| Scope {
            prefix: "COMMON",
            module,
        }),
    };
    let mut statics = TokenStream::new();
    if let Some(scope) = emitter.common {
        statics.extend(emitter.module(scope).context("the common schema")?);
    }
    let prefixes: Vec<String> = functions.values().map(function_prefix).collect();
    let mut models = Vec::new();
    let mut list = Vec::new();
    let mut build_arms = Vec::new();
    let mut header_arms = Vec::new();
    let mut header_ref_arms = Vec::new();
    let mut function_arms = Vec::new();
    let mut request_model_arms = Vec::new();
    let mut response_model_arms = Vec::new();
    for (f, prefix) in functions.values().zip(&prefixes) {
        let scope = Scope {
            prefix,
            module: &f.module,
        };
        statics.extend(emitter.module(scope).with_context(|| f.file_name.clone())?);
        let params_type = names::type_name(&f.parameters);
        let params = Emitter::static_name(scope, &params_type);
        let result = Emitter::static_name(scope, &f.result);
        for (name, kind) in [(&params_type, "parameters"), (&f.result, "result")] {
            match emitter.resolve(scope, name)? {
                (_, TypeDef::Struct(_)) => {}
                _ => {
                    return Err(anyhow!(
                        "{}: the {kind} type {name} is not a structure",
                        f.file_name
                    ));
                }
            }
        }
        let model = ident(prefix);
        let function = &f.function;
        let aliases = &f.aliases;
        let version = &f.version;
        let kind = match f.call_kind {
            super::model::CallKindName::Read => quote!(systmone_core::CallKind::Read),
            super::model::CallKindName::Write => quote!(systmone_core::CallKind::Write),
        };
        models.push(quote! {
            static #model: systmone_core::schema::FunctionModel = systmone_core::schema::FunctionModel {
                function: #function,
                aliases: &[#(#aliases),*],
                version: #version,
                kind: #kind,
                parameters: systmone_core::schema::Element {
                    name: "FunctionParameters",
                    occurs: systmone_core::schema::Occurs::One,
                    doc: "",
                    cites: &[],
                    content: systmone_core::schema::Content::Elements(&#params),
                },
                response: systmone_core::schema::Element {
                    name: "Response",
                    occurs: systmone_core::schema::Occurs::One,
                    doc: "",
                    cites: &[],
                    content: systmone_core::schema::Content::Elements(&#result),
                },
            };
        });
        list.push(quote!(&#model,));
        let module = ident(&names::function_crate(&f.function, &f.version).0);
        let variant = ident(&names::function_marker(&f.function, &f.version));
        build_arms.push(quote! {
            (#function, #version) => AnyRequest::#variant(systmone_core::Request::new::<crate::#module::#variant>(
                header,
                parameters.build(&model.parameters)?,
            )),
        });
        header_arms.push(quote!(AnyRequest::#variant(r) => &mut r.header,));
        header_ref_arms.push(quote!(AnyRequest::#variant(r) => &r.header,));
        function_arms.push(quote!(AnyRequest::#variant(r) => (&r.function, &r.function_version),));
        request_model_arms.push(quote!(AnyRequest::#variant(_) => &#model,));
        response_model_arms.push(quote!(AnyResponse::#variant(_) => &#model,));
    }
    Ok(quote! {
        #![allow(non_upper_case_globals)]

        use crate::{AnyRequest, AnyResponse};

        #statics
        #(#models)*

        /// Every function version's schema model, as codegen read it from `xsd/`: the
        /// parameters' and the result's elements and attributes in declared order,
        /// their types and lexical forms, occurrence, lists, documentation and the E/F
        /// numbers it cites.
        pub static SCHEMA_MODELS: &[&systmone_core::schema::FunctionModel] = &[#(#list)*];

        /// The schema model of `function` (its name or an alias, ERRATA E2) version
        /// `version` (a number: `1` is `1.0`, FIELD-EVIDENCE F13).
        ///
        /// ```
        /// use systmone_core::schema::{Content, FunctionModel, Node};
        ///
        /// let model = systmone_bindings::schema_model("PatientSearch", "1").unwrap();
        /// let Ok(Node::Element(dob)) = FunctionModel::find(&model.parameters, "DateOfBirth") else {
        ///     panic!("PatientSearch takes a date of birth");
        /// };
        /// let Content::Text(text) = dob.content else { panic!("a value") };
        /// assert_eq!(text.expected(), "a date, YYYY-MM-DD");
        /// ```
        pub fn schema_model(function: &str, version: &str) -> Option<&'static systmone_core::schema::FunctionModel> {
            SCHEMA_MODELS
                .iter()
                .copied()
                .find(|m| m.is_named(function) && systmone_core::versions::same_version(m.version, version))
        }

        impl AnyRequest {
            /// A request of `function` (a name or alias) version `version` with
            /// `parameters`: each name and value checked against the function's schema
            /// model, then the typed parameters built from them (no XML text on the way),
            /// in declared order. The header is empty: the client writes its own when it
            /// sends.
            pub fn from_parameters(
                function: &str,
                version: &str,
                parameters: &systmone_core::parameters::Parameters,
            ) -> Result<Self, systmone_core::parameters::ParameterError> {
                let unknown = || systmone_core::parameters::ParameterError::UnknownFunction {
                    function: function.to_string(),
                    version: version.to_string(),
                };
                let model = schema_model(function, version).ok_or_else(unknown)?;
                let header = systmone_core::RequestHeader {
                    api_key: systmone_core::ApiKey::new(""),
                    device_id: String::new(),
                    device_version: String::new(),
                    request_uid: String::new(),
                };
                Ok(match (model.function, model.version) {
                    #(#build_arms)*
                    _ => return Err(unknown()),
                })
            }

            /// The request's header.
            pub fn header(&self) -> &systmone_core::RequestHeader {
                match self {
                    #(#header_ref_arms)*
                }
            }

            /// The request's header, to change it.
            pub fn header_mut(&mut self) -> &mut systmone_core::RequestHeader {
                match self {
                    #(#header_arms)*
                }
            }

            /// The request's `Function` and `FunctionVersion` as sent (ERRATA E2: a
            /// function may be sent under either of its names).
            pub fn function_as_sent(&self) -> (&str, &str) {
                match self {
                    #(#function_arms)*
                }
            }

            /// The schema model of the request's function version.
            pub fn schema_model(&self) -> &'static systmone_core::schema::FunctionModel {
                match self {
                    #(#request_model_arms)*
                }
            }
        }

        impl AnyResponse {
            /// The schema model of the response's function version.
            pub fn schema_model(&self) -> &'static systmone_core::schema::FunctionModel {
                match self {
                    #(#response_model_arms)*
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::cites;

    #[test]
    fn citations_are_found_in_the_text() {
        assert_eq!(
            cites("F15: the kind of recall (F17: SystmOne writes ...; ERRATA E7, E21). FEE 12 E"),
            ["F15", "F17", "E7", "E21"]
        );
    }
}
