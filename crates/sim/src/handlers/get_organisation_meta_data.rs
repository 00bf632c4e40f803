//! GetOrganisationMetaData.

use systmone_bindings::get_organisation_meta_data_v1_0::{
    AccessRights, GetOrganisationMetaDataParameters, GetOrganisationMetaDataResult, Site, User,
    UserGroups,
};
use systmone_core::Flag;

use super::convert::address;
use crate::practice;
use crate::state::State;

pub(super) fn handle(
    st: &State,
    p: Option<&GetOrganisationMetaDataParameters>,
) -> GetOrganisationMetaDataResult {
    let only_me = p.is_some_and(|p| p.logged_on_user_only.is_some());
    let pr = &st.practice;
    let site = |s: &practice::SiteData| Site {
        extra: Default::default(),
        name: s.name.clone(),
        id: s.id.clone(),
        telephone: s.telephone.clone(),
        fax: s.fax.clone(),
        email: s.email.clone(),
        address: Some(address(&s.address)),
        primary_site: s.primary.then_some(Flag),
        current_site: s.current.then_some(Flag),
    };
    let user = |u: &practice::UserData| User {
        extra: Default::default(),
        title: Some(u.title.clone()),
        first_name: Some(u.first_name.clone()),
        middle_names: Some(u.middle_names.clone()),
        surname: Some(u.surname.clone()),
        user_name: u.user_name.clone(),
        gender: u.gender.parse().ok(),
        role: Some(u.role.clone()),
        role_code: Some(u.role_code.clone()),
        national_id: Some(u.national_id.clone()),
        national_id_type: Some(u.national_id_type.clone()),
        access_rights: Some(AccessRights {
            extra: Default::default(),
            access: u.access_rights.clone(),
        }),
        user_groups: Some(UserGroups {
            extra: Default::default(),
            group: u.groups.clone(),
        }),
        current_user: u.current.then_some(Flag),
    };
    let (sites, users) = if only_me {
        (
            pr.current_site().map(site).into_iter().collect(),
            pr.current_user().map(user).into_iter().collect(),
        )
    } else {
        (
            pr.sites.iter().map(site).collect(),
            pr.users.iter().map(user).collect(),
        )
    };
    GetOrganisationMetaDataResult {
        extra: Default::default(),
        site: sites,
        user: users,
        slot_type: pr.slot_types.clone(),
        clinic_type: pr.clinic_types.clone(),
    }
}
