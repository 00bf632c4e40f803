//! `systmone_core::Members` for every generated structure: a typed value's attributes
//! and child elements by name, in declared order, so code can read a function version
//! it was not compiled against through the schema model's paths (the conformance kit
//! after a regeneration), without scanning the document's text.

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use super::model::{Field, Member, Module, Occurs, Struct, TypeDef, TypeRef};

fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

/// How one value (`value`, a reference) is handed to `visit`.
fn visit_value(ty: &TypeRef, xml_name: &str, value: TokenStream) -> TokenStream {
    if ty.is_text() {
        quote!(visit(#xml_name, systmone_core::MemberValue::text(#value)))
    } else {
        quote!(visit(#xml_name, systmone_core::MemberValue::Element(#value)))
    }
}

fn by_occurs(occurs: Occurs, field: &Ident, each: TokenStream) -> TokenStream {
    match occurs {
        Occurs::One => quote!({ let value = &self.#field; #each; }),
        Occurs::Optional => quote!(if let Some(value) = &self.#field { #each; }),
        Occurs::Many => quote!(for value in &self.#field { #each; }),
    }
}

fn structure(s: &Struct) -> TokenStream {
    let name = ident(&s.name);
    let mut visits = Vec::new();
    for a in &s.attributes {
        let field = ident(&a.rust_name);
        let at = format!("@{}", a.xml_name);
        let each = quote!(visit(#at, systmone_core::MemberValue::text(value)));
        let occurs = if a.required {
            Occurs::One
        } else {
            Occurs::Optional
        };
        visits.push(by_occurs(occurs, &field, each));
    }
    let mut extra = Vec::new();
    for member in &s.members {
        match member {
            Member::Field(f) => {
                let field = ident(&f.rust_name);
                let each = visit_value(&f.ty, &f.xml_name, quote!(value));
                visits.push(by_occurs(f.occurs, &field, each));
            }
            Member::Choice {
                rust_name,
                enum_name,
                occurs,
                variants,
                ..
            } => {
                let field = ident(rust_name);
                visits.push(by_occurs(
                    *occurs,
                    &field,
                    quote!(value.visit_member(&mut *visit)),
                ));
                extra.push(choice(enum_name, variants, false));
            }
            Member::Any { rust_name, .. } => {
                let field = ident(rust_name);
                visits.push(quote!(for item in &self.#field { item.visit_member(&mut *visit); }));
            }
        }
    }
    quote! {
        impl systmone_core::Members for #name {
            #[allow(unused_variables)]
            fn members<'a>(&'a self, visit: &mut dyn FnMut(&'static str, systmone_core::MemberValue<'a>)) {
                #(#visits)*
            }
        }

        #(#extra)*
    }
}

/// `visit_member` on a choice's enum (or the elements of an `xs:any`, which may also
/// hold raw XML the schema does not describe: not visited).
fn choice(enum_name: &str, variants: &[Field], raw: bool) -> TokenStream {
    let name = ident(enum_name);
    let arms = variants.iter().map(|v| {
        let variant = ident(&v.rust_name);
        let each = visit_value(&v.ty, &v.xml_name, quote!(value));
        quote!(#name::#variant(value) => #each,)
    });
    let other = if raw {
        quote!(#name::Other(_) => {})
    } else {
        quote!()
    };
    quote! {
        impl #name {
            /// Hands the element this value is to `visit` (see `systmone_core::Members`).
            pub fn visit_member<'a>(&'a self, visit: &mut dyn FnMut(&'static str, systmone_core::MemberValue<'a>)) {
                match self {
                    #(#arms)*
                    #other
                }
            }
        }
    }
}

/// The `Members` implementations of a module's types.
pub fn module(module: &Module) -> TokenStream {
    let mut out = TokenStream::new();
    for def in &module.types {
        match def {
            TypeDef::Struct(s) => out.extend(structure(s)),
            TypeDef::AnyElement { name, items } => out.extend(choice(name, items, true)),
            TypeDef::Enum(_) | TypeDef::Alias { .. } => {}
        }
    }
    out
}
