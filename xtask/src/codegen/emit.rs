//! Rust source for the model, written with quote and laid out by prettyplease.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};

use super::model::{
    Attribute, Enum, Field, FunctionSchema, Member, Module, Occurs, Struct, TypeDef, TypeRef,
};
use super::names;

fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

/// Documentation lines as `#[doc]` attributes, whitespace collapsed (the XSDs wrap
/// their text).
fn docs(lines: &[String]) -> TokenStream {
    let text: Vec<String> = lines
        .iter()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect();
    let mut out = TokenStream::new();
    for (i, paragraph) in text.iter().enumerate() {
        if i > 0 {
            out.extend(quote!(#[doc = ""]));
        }
        let line = format!(" {}", code_element_names(paragraph));
        out.extend(quote!(#[doc = #line]));
    }
    out
}

/// Puts the element names the XSDs write as tags (`<Appointment>`) in backticks, so
/// rustdoc shows them as code rather than taking them for unclosed HTML; text already
/// in backticks is left alone.
fn code_element_names(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_code = false;
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if c == '`' {
            in_code = !in_code;
        } else if c == '<' && !in_code {
            let tag_end = rest.find('>').filter(|&end| {
                let inner = rest[1..end].trim_start_matches('/').trim_end_matches('/');
                !inner.is_empty()
                    && inner.starts_with(|c: char| c.is_ascii_alphabetic())
                    && inner
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ':'))
            });
            if let Some(end) = tag_end {
                out.push('`');
                out.push_str(&rest[..=end]);
                out.push('`');
                rest = &rest[end + 1..];
                continue;
            }
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

fn type_tokens(ty: &TypeRef) -> TokenStream {
    match ty {
        TypeRef::String => quote!(String),
        TypeRef::Bool => quote!(bool),
        TypeRef::U64 => quote!(u64),
        TypeRef::I64 => quote!(i64),
        TypeRef::F64 => quote!(f64),
        TypeRef::Core(name) => {
            let name = ident(name);
            quote!(systmone_core::#name)
        }
        TypeRef::Named { name, .. } => {
            let name = ident(name);
            quote!(#name)
        }
        TypeRef::OrEmpty(inner) => type_tokens(inner),
    }
}

fn occurs_tokens(ty: &TypeRef, occurs: Occurs) -> TokenStream {
    let t = type_tokens(ty);
    match occurs {
        Occurs::One => t,
        Occurs::Optional => quote!(Option<#t>),
        Occurs::Many => quote!(Vec<#t>),
    }
}

/// A module's items.
pub fn module(module: &Module) -> TokenStream {
    let mut out = TokenStream::new();
    for def in &module.types {
        out.extend(type_def(def));
    }
    out
}

fn type_def(def: &TypeDef) -> TokenStream {
    match def {
        TypeDef::Struct(s) => custom_struct(s),
        TypeDef::Enum(e) => enumeration(e),
        TypeDef::Alias { name, doc, target } => {
            let doc = docs(doc);
            let name = ident(name);
            let target = type_tokens(target);
            quote! {
                #doc
                pub type #name = #target;
            }
        }
        TypeDef::AnyElement { name, items } => any_element(name, items),
    }
}

/// `Default` when every member may be absent, so callers can write
/// `Filter { demographics: Some(Flag), ..Default::default() }`.
fn default_derive(s: &Struct) -> TokenStream {
    let all_optional = s.attributes.iter().all(|a| !a.required)
        && s.members.iter().all(|m| match m {
            Member::Field(f) => f.occurs != Occurs::One,
            Member::Choice { occurs, .. } => *occurs != Occurs::One,
            Member::Any { .. } => true,
        });
    if all_optional {
        quote!(Default,)
    } else {
        quote!()
    }
}

/// How the `k`-th value (`value`, a reference) of member `member` is written.
fn write_value(ty: &TypeRef, xml_name: &str, value: TokenStream, member: usize) -> TokenStream {
    let member = member as u16;
    if ty.is_text() {
        quote!(systmone_core::xml::write_text_member(writer, #xml_name, #value, self.extra.child_attributes(#member, k), Some(&self.extra.child_text(#member, k, #value))))
    } else {
        quote!(systmone_core::xml::write_child(writer, #xml_name, #value))
    }
}

/// A struct and its reading and writing, all generated: unlike a serde-style derive, the
/// reader keeps whatever the schema does not declare (unknown children and attributes,
/// values that do not read as their type, repeated single elements) in the struct's
/// `extra`, in place, and reports each departure as drift (or refuses it when reading
/// strictly); the writer puts everything back in document order.
fn custom_struct(s: &Struct) -> TokenStream {
    let doc = docs(&s.doc);
    let default = default_derive(s);
    let name = ident(&s.name);
    let has_any = s.members.iter().any(|m| matches!(m, Member::Any { .. }));
    let n_members = s.members.len();
    // F14: content SystmOne reads in any order is not reported when out of order.
    let order_new = if s.any_order {
        quote!(any_order)
    } else {
        quote!(new)
    };

    let mut definitions = Vec::new();
    let mut extra_types = Vec::new();
    let mut locals = Vec::new();
    let mut arms = Vec::new();
    let mut build = Vec::new();
    let mut counts = Vec::new();
    let mut writes = Vec::new();
    let mut reorders = Vec::new();

    let repeated = quote!(systmone_core::xml::keep_child(
        reader,
        &mut order,
        &mut extra,
        systmone_core::DriftKind::Repeated
    )?);

    let mut attribute_names = Vec::new();
    let found: Vec<Ident> = (0..s.attributes.len())
        .map(|i| format_ident!("attribute_{}", i))
        .collect();
    for (a, found) in s.attributes.iter().zip(&found) {
        let adoc = docs(&a.doc);
        let field = ident(&a.rust_name);
        let ty = occurs_tokens(
            &a.ty,
            if a.required {
                Occurs::One
            } else {
                Occurs::Optional
            },
        );
        let xml = &a.xml_name;
        attribute_names.push(xml.clone());
        definitions.push(quote! { #adoc pub #field: #ty, });
        let value_ty = type_tokens(&a.ty);
        if a.required {
            let what = format!("attribute {xml}");
            locals.push(quote! {
                let #field = systmone_core::xml::typed_attribute::<#value_ty>(#found, #xml, &mut extra)?
                    .ok_or_else(|| systmone_core::xml::missing(element, #what))?;
            });
        } else {
            locals.push(quote! {
                let #field = systmone_core::xml::typed_attribute::<#value_ty>(#found, #xml, &mut extra)?;
            });
        }
        build.push(quote!(#field,));
    }
    if attribute_names.is_empty() {
        locals.push(quote! {
            systmone_core::xml::keep_unknown_attributes(attributes, &[], &mut extra)?;
        });
    } else {
        // The declared attributes found in one pass over the start tag's; the
        // unknown ones then kept (after the declared ones, whose values are typed
        // first: the order of the kept attributes and of the reports).
        // Each name's index by a `match`, which compiles to a few word compares where
        // a search of the list compared the name with each declared one in turn.
        let known = attribute_names.iter();
        let index_arms = attribute_names
            .iter()
            .enumerate()
            .map(|(i, name)| quote!(#name => Some(#i),));
        locals.insert(
            0,
            quote! {
                let ([#(#found),*], unknown_attributes) =
                    systmone_core::xml::declared_attributes_by(attributes, |name| match name {
                        #(#index_arms)*
                        _ => None,
                    });
            },
        );
        locals.push(quote! {
            if unknown_attributes {
                systmone_core::xml::keep_unknown_attributes(attributes, &[#(#known),*], &mut extra)?;
            }
        });
    }

    for (index, member) in s.members.iter().enumerate() {
        match member {
            Member::Field(f) => {
                let fdoc = docs(&f.doc);
                let field = ident(&f.rust_name);
                let ty = occurs_tokens(&f.ty, f.occurs);
                let value_ty = type_tokens(&f.ty);
                let empty_allowed = f.ty.empty_allowed();
                let xml = &f.xml_name;
                definitions.push(quote! { #fdoc pub #field: #ty, });
                // `read`, not `value`: a field may be named `value` (ClinicalCode's, F15).
                let store = match f.occurs {
                    Occurs::Many => quote!(systmone_core::xml::push(&mut #field, read)),
                    _ => quote!(#field = Some(read)),
                };
                let read = if f.ty.is_text() {
                    quote! {
                        if let Some(read) = systmone_core::xml::read_text_member::<#value_ty, #n_members>(reader, &mut order, &mut extra, #index, #empty_allowed)? {
                            #store;
                        }
                    }
                } else {
                    quote! {
                        order.member(&mut extra, #index, #xml)?;
                        let read = systmone_core::xml::read_child(reader)?;
                        #store;
                    }
                };
                let w = write_value(&f.ty, xml, quote!(value), index);
                if !f.ty.is_text() && !matches!(f.ty, TypeRef::Core(_)) {
                    reorders.push(match f.occurs {
                        Occurs::One => quote!(systmone_core::xml::XmlContent::declared_order(&mut self.#field);),
                        _ => quote!(for value in self.#field.iter_mut() { systmone_core::xml::XmlContent::declared_order(value); }),
                    });
                }
                match f.occurs {
                    Occurs::Many => {
                        locals.push(quote!(let mut #field = Vec::new();));
                        arms.push(quote!(#xml => { #read }));
                        build.push(quote!(#field: systmone_core::xml::fitted(#field),));
                        counts.push(quote!(self.#field.len()));
                        writes.push(quote!(#index => match self.#field.get(k) { Some(value) => #w, None => Ok(()) },));
                    }
                    Occurs::One | Occurs::Optional => {
                        locals.push(quote!(let mut #field = None;));
                        arms.push(quote!(#xml if #field.is_some() => #repeated,));
                        arms.push(quote!(#xml => { #read }));
                        if f.occurs == Occurs::One {
                            let what = format!("<{xml}>");
                            build.push(quote!(#field: #field.ok_or_else(|| systmone_core::xml::missing(element, #what))?,));
                            counts.push(quote!(1));
                            writes.push(quote!(#index => { let value = &self.#field; #w },));
                        } else {
                            build.push(quote!(#field,));
                            counts.push(quote!(usize::from(self.#field.is_some())));
                            writes.push(quote!(#index => match &self.#field { Some(value) => #w, None => Ok(()) },));
                        }
                    }
                }
            }
            Member::Choice {
                rust_name,
                enum_name,
                occurs,
                variants,
                doc: cdoc,
            } => {
                let field = ident(rust_name);
                let enum_ident = ident(enum_name);
                let ty = match occurs {
                    Occurs::One => quote!(#enum_ident),
                    Occurs::Optional => quote!(Option<#enum_ident>),
                    Occurs::Many => quote!(Vec<#enum_ident>),
                };
                let mut fdoc_lines = cdoc.clone();
                if fdoc_lines.is_empty() {
                    let names: Vec<String> = variants
                        .iter()
                        .map(|v| format!("`<{}>`", v.xml_name))
                        .collect();
                    fdoc_lines.push(format!("One of {}.", names.join(", ")));
                }
                let fdoc = docs(&fdoc_lines);
                definitions.push(quote! { #fdoc pub #field: #ty, });
                extra_types.push(choice_enum(enum_name, variants));
                reorders.push(match occurs {
                    Occurs::One => quote!(self.#field.declared_order();),
                    _ => quote!(for value in self.#field.iter_mut() { value.declared_order(); }),
                });
                match occurs {
                    Occurs::Many => locals.push(quote!(let mut #field = Vec::new();)),
                    _ => locals.push(quote!(let mut #field = None;)),
                }
                for v in variants {
                    let xml = &v.xml_name;
                    let variant = ident(&v.rust_name);
                    let value_ty = type_tokens(&v.ty);
                    let empty_allowed = v.ty.empty_allowed();
                    let store = match occurs {
                        Occurs::Many => {
                            quote!(systmone_core::xml::push(&mut #field, #enum_ident::#variant(value)))
                        }
                        _ => quote!(#field = Some(#enum_ident::#variant(value))),
                    };
                    let read = if v.ty.is_text() {
                        quote! {
                            if let Some(value) = systmone_core::xml::read_text_member::<#value_ty, #n_members>(reader, &mut order, &mut extra, #index, #empty_allowed)? {
                                #store;
                            }
                        }
                    } else {
                        quote! {
                            order.member(&mut extra, #index, #xml)?;
                            let value = systmone_core::xml::read_child(reader)?;
                            #store;
                        }
                    };
                    if *occurs != Occurs::Many {
                        arms.push(quote!(#xml if #field.is_some() => #repeated,));
                    }
                    arms.push(quote!(#xml => { #read }));
                }
                let member_u16 = index as u16;
                match occurs {
                    Occurs::One => {
                        let names: Vec<String> = variants
                            .iter()
                            .map(|v| format!("<{}>", v.xml_name))
                            .collect();
                        let what = format!("one of {}", names.join(", "));
                        build.push(quote!(#field: #field.ok_or_else(|| systmone_core::xml::missing(element, #what))?,));
                        counts.push(quote!(1));
                        writes.push(quote!(#index => self.#field.write(writer, self.extra.child_attributes(#member_u16, k)),));
                    }
                    Occurs::Optional => {
                        build.push(quote!(#field,));
                        counts.push(quote!(usize::from(self.#field.is_some())));
                        writes.push(quote!(#index => match &self.#field { Some(value) => value.write(writer, self.extra.child_attributes(#member_u16, k)), None => Ok(()) },));
                    }
                    Occurs::Many => {
                        build.push(quote!(#field: systmone_core::xml::fitted(#field),));
                        counts.push(quote!(self.#field.len()));
                        writes.push(quote!(#index => match self.#field.get(k) { Some(value) => value.write(writer, self.extra.child_attributes(#member_u16, k)), None => Ok(()) },));
                    }
                }
            }
            Member::Any {
                rust_name,
                item_type,
                doc: adoc,
            } => {
                let field = ident(rust_name);
                let item = ident(item_type);
                let mut lines = adoc.clone();
                if lines.is_empty() {
                    lines.push(
                        "The child elements in document order: the data items the schema knows, typed, and any other element kept as raw XML (ERRATA E21)."
                            .into(),
                    );
                }
                let fdoc = docs(&lines);
                definitions.push(quote! { #fdoc pub #field: Vec<#item>, });
                reorders
                    .push(quote!(for item in self.#field.iter_mut() { item.declared_order(); }));
                locals.push(quote!(let mut #field = Vec::new();));
                build.push(quote!(#field: systmone_core::xml::fitted(#field),));
                counts.push(quote!(self.#field.len()));
                writes.push(quote!(#index => match self.#field.get(k) { Some(item) => item.write(writer), None => Ok(()) },));
            }
        }
    }

    let fallback = match s
        .members
        .iter()
        .enumerate()
        .find(|(_, m)| matches!(m, Member::Any { .. }))
    {
        Some((
            index,
            Member::Any {
                rust_name,
                item_type,
                ..
            },
        )) => {
            let field = ident(rust_name);
            let item = ident(item_type);
            quote!(_ => {
                order.member(&mut extra, #index, child)?;
                systmone_core::xml::push(&mut #field, #item::read(reader, child)?);
            })
        }
        _ => {
            quote!(_ => systmone_core::xml::keep_child(reader, &mut order, &mut extra, systmone_core::DriftKind::UnknownElement)?,)
        }
    };
    let _ = has_any;
    let attribute_writes = s.attributes.iter().map(|a: &Attribute| {
        let field = ident(&a.rust_name);
        let xml = &a.xml_name;
        if a.required {
            quote!(writer.attribute(#xml, &systmone_core::xml::TextValue::xml_text(&self.#field));)
        } else {
            quote!(if let Some(value) = &self.#field {
                writer.attribute(#xml, &systmone_core::xml::TextValue::xml_text(value));
            })
        }
    });
    let attributes_fn = if s.attributes.is_empty() {
        quote!()
    } else {
        quote! {
            fn write_attributes(&self, writer: &mut systmone_core::xml::XmlWriter) {
                #(#attribute_writes)*
            }
        }
    };
    let writes_match = if writes.is_empty() {
        quote!(Ok(()))
    } else {
        quote!(match member { #(#writes)* _ => Ok(()) })
    };

    quote! {
        #doc
        #[derive(Debug, Clone, PartialEq, #default)]
        pub struct #name {
            #(#definitions)*
            /// What the element held beyond the fields above (unknown attributes and
            /// elements, values that could not be typed), kept in place and written back.
            pub extra: systmone_core::Extra,
        }

        impl systmone_core::xml::XmlContent for #name {
            fn read_content(
                reader: &mut systmone_core::xml::XmlReader<'_>,
                element: &str,
                attributes: &[systmone_core::xml::Attribute<'_>],
            ) -> systmone_core::xml::ReadResult<Self> {
                let _scope = systmone_core::xml::enter(element);
                let mut extra = systmone_core::Extra::default();
                let mut order = systmone_core::xml::Order::<#n_members>::#order_new();
                #(#locals)*
                while let Some(child) = systmone_core::xml::next_child_keeping_text(reader, &mut order, &mut extra)? {
                    match child {
                        #(#arms)*
                        #fallback
                    }
                }
                Ok(#name { #(#build)* extra })
            }

            #attributes_fn

            // The closure's parameters go unused for content without members.
            #[allow(unused_variables)]
            fn write_content(&self, writer: &mut systmone_core::xml::XmlWriter) -> systmone_core::xml::WriteResult {
                let counts = [#(#counts),*];
                systmone_core::xml::write_members(writer, &self.extra, &counts, |writer, member, k| #writes_match)
            }

            fn extra(&self) -> Option<&systmone_core::Extra> {
                Some(&self.extra)
            }

            fn declared_order(&mut self) {
                self.extra.forget_order();
                #(#reorders)*
            }
        }

        systmone_core::impl_xml_content!(#name);

        #(#extra_types)*
    }
}

fn choice_enum(name: &str, variants: &[Field]) -> TokenStream {
    let ident_name = ident(name);
    let defs = variants.iter().map(|v| {
        let doc = docs(&v.doc);
        let variant = ident(&v.rust_name);
        let ty = type_tokens(&v.ty);
        quote!(#doc #variant(#ty),)
    });
    let writes = variants.iter().map(|v| {
        let variant = ident(&v.rust_name);
        let xml = &v.xml_name;
        let w = if v.ty.is_text() {
            quote!(systmone_core::xml::write_text_member(writer, #xml, value, attributes, None))
        } else {
            quote!(systmone_core::xml::write_child(writer, #xml, value))
        };
        quote!(#ident_name::#variant(value) => #w,)
    });
    let names = variants.iter().map(|v| {
        let variant = ident(&v.rust_name);
        let xml = &v.xml_name;
        quote!(#ident_name::#variant(_) => #xml,)
    });
    let doc = format!(
        " One element of a choice: {}.",
        variants
            .iter()
            .map(|v| format!("`<{}>`", v.xml_name))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let reorder_arms = variants.iter().map(|v| {
        let variant = ident(&v.rust_name);
        if v.ty.is_text() || matches!(v.ty, TypeRef::Core(_)) {
            quote!(#ident_name::#variant(_) => {})
        } else {
            quote!(#ident_name::#variant(value) => systmone_core::xml::XmlContent::declared_order(value),)
        }
    });
    let attributes_name = if variants.iter().any(|v| v.ty.is_text()) {
        quote!(attributes)
    } else {
        quote!(_attributes)
    };
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, PartialEq)]
        pub enum #ident_name {
            #(#defs)*
        }

        impl #ident_name {
            /// The element name this value is written as.
            pub fn xml_name(&self) -> &'static str {
                match self {
                    #(#names)*
                }
            }

            fn write(&self, writer: &mut systmone_core::xml::XmlWriter, #attributes_name: &[systmone_core::UnknownAttribute]) -> systmone_core::xml::WriteResult {
                match self {
                    #(#writes)*
                }
            }

            /// Forgets the document order kept from reading (see `XmlContent::declared_order`).
            pub fn declared_order(&mut self) {
                match self {
                    #(#reorder_arms)*
                }
            }
        }
    }
}

fn enumeration(e: &Enum) -> TokenStream {
    let doc = docs(&e.doc);
    let name = ident(&e.name);
    let variants = e.values.iter().map(|(variant, value)| {
        let variant = ident(variant);
        let vdoc = if value.is_empty() {
            " `\"\"` (empty)".to_string()
        } else {
            format!(" `{value}`")
        };
        quote!(#[doc = #vdoc] #variant,)
    });
    let parse_arms = e.values.iter().map(|(variant, value)| {
        let variant = ident(variant);
        quote!(#value => Ok(#name::#variant),)
    });
    let parse_arms_ok = e.values.iter().map(|(variant, value)| {
        let variant = ident(variant);
        quote!(#value => #name::#variant,)
    });
    let display_arms = e.values.iter().map(|(variant, value)| {
        let variant = ident(variant);
        quote!(#name::#variant => #value,)
    });
    let display_arms: Vec<TokenStream> = display_arms.collect();
    // The text borrowed, not built: reading compares every value with its text.
    let text_fn = |other: Ident| {
        quote! {
            fn xml_text(&self) -> std::borrow::Cow<'_, str> {
                std::borrow::Cow::Borrowed(match self {
                    #(#display_arms)*
                    #name::#other(other) => other,
                })
            }
        }
    };
    let listed = e
        .values
        .iter()
        .map(|(_, v)| {
            if v.is_empty() {
                "\"\" (empty)".to_string()
            } else {
                v.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(", ");
    let other_doc = format!(
        " A value the schema does not list ({listed}), kept as sent: tolerant reading reports it as drift, strict reading refuses it."
    );
    let open_text = text_fn(ident("Other"));
    let closed_text = text_fn(ident("Unlisted"));
    if e.open {
        quote! {
            #doc
            #[derive(Debug, Clone, PartialEq, Eq, Hash)]
            pub enum #name {
                #(#variants)*
                /// A value the document does not list, kept as sent (ERRATA E3).
                Other(String),
            }

            impl std::str::FromStr for #name {
                type Err = systmone_core::ValueError;

                fn from_str(text: &str) -> Result<Self, Self::Err> {
                    match text {
                        #(#parse_arms)*
                        other => Ok(#name::Other(other.to_string())),
                    }
                }
            }

            impl std::fmt::Display for #name {
                fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.write_str(match self {
                        #(#display_arms)*
                        #name::Other(other) => other,
                    })
                }
            }

            /// An open enumeration (ERRATA E3): other values are expected, not drift.
            impl systmone_core::xml::TextValue for #name {
                #open_text
            }

            systmone_core::impl_xml_text!(#name);
        }
    } else {
        quote! {
            #doc
            #[derive(Debug, Clone, PartialEq, Eq, Hash)]
            pub enum #name {
                #(#variants)*
                #[doc = #other_doc]
                Unlisted(String),
            }

            impl std::str::FromStr for #name {
                type Err = systmone_core::ValueError;

                fn from_str(text: &str) -> Result<Self, Self::Err> {
                    Ok(match text {
                        #(#parse_arms_ok)*
                        other => #name::Unlisted(other.to_string()),
                    })
                }
            }

            impl std::fmt::Display for #name {
                fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.write_str(match self {
                        #(#display_arms)*
                        #name::Unlisted(other) => other,
                    })
                }
            }

            impl systmone_core::xml::TextValue for #name {
                fn is_unlisted(&self) -> bool {
                    matches!(self, #name::Unlisted(_))
                }

                #closed_text
            }

            systmone_core::impl_xml_text!(#name);
        }
    }
}

/// Whether a data item of type `ty` is boxed in its `xs:any` enum: an element with
/// children is. The items differ tenfold in size (a Letter several hundred bytes, a
/// Narrative a few dozen) and an enum is as large as its largest variant, so unboxed,
/// every item of a large record took a Letter's room.
fn boxed_item(ty: &TypeRef) -> bool {
    !ty.is_text() && matches!(ty, TypeRef::Named { .. })
}

fn any_element(name: &str, items: &[Field]) -> TokenStream {
    let enum_name = ident(name);
    let variants = items.iter().map(|f| {
        let doc = docs(&f.doc);
        let variant = ident(&f.rust_name);
        let ty = type_tokens(&f.ty);
        if boxed_item(&f.ty) {
            quote!(#doc #variant(Box<#ty>),)
        } else {
            quote!(#doc #variant(#ty),)
        }
    });
    let reads = items.iter().map(|f| {
        let variant = ident(&f.rust_name);
        let xml = &f.xml_name;
        if f.ty.is_text() {
            quote!(#xml => match systmone_core::xml::read_text_item(reader)? {
                Ok(value) => #enum_name::#variant(value),
                Err(raw) => #enum_name::Other(raw),
            },)
        } else if boxed_item(&f.ty) {
            quote!(#xml => #enum_name::#variant(Box::new(systmone_core::xml::read_child(reader)?)),)
        } else {
            quote!(#xml => #enum_name::#variant(systmone_core::xml::read_child(reader)?),)
        }
    });
    let writes = items.iter().map(|f| {
        let variant = ident(&f.rust_name);
        let xml = &f.xml_name;
        let w = if f.ty.is_text() {
            quote!(systmone_core::xml::write_text_child(writer, #xml, value)?;)
        } else if boxed_item(&f.ty) {
            quote!(systmone_core::xml::write_child(writer, #xml, &**value)?;)
        } else {
            quote!(systmone_core::xml::write_child(writer, #xml, value)?;)
        };
        quote!(#enum_name::#variant(value) => { #w })
    });
    let names = items.iter().map(|f| {
        let variant = ident(&f.rust_name);
        let xml = &f.xml_name;
        quote!(#enum_name::#variant(_) => #xml,)
    });
    let reorder_items = items.iter().map(|f| {
        let variant = ident(&f.rust_name);
        if f.ty.is_text() || matches!(f.ty, TypeRef::Core(_)) {
            quote!(#enum_name::#variant(_) => {})
        } else if boxed_item(&f.ty) {
            quote!(#enum_name::#variant(value) => systmone_core::xml::XmlContent::declared_order(&mut **value),)
        } else {
            quote!(#enum_name::#variant(value) => systmone_core::xml::XmlContent::declared_order(value),)
        }
    });
    quote! {
        /// An element inside `xs:any` content (an `Event`'s data items): one of the
        /// global elements the schema declares, typed (boxed when it has child
        /// elements, so each item takes its own room), or any other element kept as raw
        /// XML and written back unchanged (ERRATA E21).
        #[derive(Debug, Clone, PartialEq)]
        pub enum #enum_name {
            #(#variants)*
            /// An element the schema does not declare, kept as raw XML.
            Other(systmone_core::RawXml),
        }

        impl #enum_name {
            /// Reads the child element `name` that comes next.
            pub fn read(reader: &mut systmone_core::xml::XmlReader<'_>, name: &str) -> systmone_core::xml::ReadResult<Self> {
                Ok(match name {
                    #(#reads)*
                    _ => #enum_name::Other(systmone_core::xml::read_unknown_item(reader)?),
                })
            }

            /// Writes the element.
            pub fn write(&self, writer: &mut systmone_core::xml::XmlWriter) -> systmone_core::xml::WriteResult {
                match self {
                    #(#writes)*
                    #enum_name::Other(raw) => { systmone_core::xml::write_child(writer, raw.name(), raw)?; }
                }
                Ok(())
            }

            /// Forgets the document order kept from reading (see `XmlContent::declared_order`).
            pub fn declared_order(&mut self) {
                match self {
                    #(#reorder_items)*
                    #enum_name::Other(_) => {}
                }
            }

            /// The element's name.
            pub fn xml_name(&self) -> &str {
                match self {
                    #(#names)*
                    #enum_name::Other(raw) => raw.name(),
                }
            }
        }
    }
}

/// The marker type and its `Function` implementation.
pub fn function_impl(f: &FunctionSchema) -> TokenStream {
    let marker = ident(&names::function_marker(&f.function, &f.version));
    let name = &f.function;
    let version = &f.version;
    let aliases = &f.aliases;
    let parameters = format_ident!("{}", names::type_name(&f.parameters));
    let result = ident(&f.result);
    let kind = match f.call_kind {
        super::model::CallKindName::Read => quote!(systmone_core::CallKind::Read),
        super::model::CallKindName::Write => quote!(systmone_core::CallKind::Write),
    };
    let doc = docs(&[format!(
        "{name} version {version}, generated from `xsd/{}`.",
        f.file_name
    )]);
    quote! {
        #doc
        ///
        /// Ties the request parameters to the response content for the typed client:
        /// `client.call::<Marker>(parameters)`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
        pub struct #marker;

        impl systmone_core::Function for #marker {
            const NAME: &'static str = #name;
            const ALIASES: &'static [&'static str] = &[#(#aliases),*];
            const VERSION: &'static str = #version;
            const KIND: systmone_core::CallKind = #kind;
            type Parameters = #parameters;
            type Result = #result;
        }
    }
}

/// Lays out a token stream as a source file.
pub fn format(tokens: TokenStream) -> anyhow::Result<String> {
    let file: syn::File = syn::parse2(tokens)?;
    Ok(prettyplease::unparse(&file))
}

#[cfg(test)]
mod doc_tests {
    use super::code_element_names;

    #[test]
    fn element_names_become_code() {
        assert_eq!(
            code_element_names("one <Appointment> per slot, closed by </Appointment>."),
            "one `<Appointment>` per slot, closed by `</Appointment>`."
        );
        assert_eq!(code_element_names("kept `<X>` as is"), "kept `<X>` as is");
        assert_eq!(code_element_names("a < b and c > d"), "a < b and c > d");
        assert_eq!(
            code_element_names("empty <X/> element"),
            "empty `<X/>` element"
        );
    }
}
