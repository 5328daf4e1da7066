"""Who is signed in: demo, local accounts or OIDC, and the role check every page starts with."""

from __future__ import annotations

from urllib.parse import urlparse

import streamlit as st
from streamlit.errors import StreamlitAPIException

from assistant.errors import AssistantError
from assistant.identity.accounts import (
    AuthError,
    Permission,
    Principal,
    authenticate,
    demo_principal,
    oidc_principal,
)
from assistant.render import safe_markdown
from assistant.runtime.stack import Runtime

PRINCIPAL = "auth.principal"
RETURN_TO = "auth.return_to"  # the page to open once the app has signed the reader in


def sign_in(runtime: Runtime) -> Principal:
    """The signed-in user (stops the script with a sign-in form until there is one).

    Kept in the server-side session state; pages read it with ``require``.
    """
    mode = runtime.settings.auth
    if mode == "demo":
        principal = demo_principal()
    elif mode == "oidc":
        if not st.user.is_logged_in:
            st.title("Knowledge Assistant")
            st.button("Sign in with your company account", on_click=st.login, type="primary")
            st.stop()
        principal = oidc_principal(
            runtime.engine,
            str(st.user.get("email") or st.user.get("sub")),
            str(st.user.get("name") or ""),
            runtime.settings.oidc_default_role,
        )
    else:
        principal = st.session_state.get(PRINCIPAL) or _local_sign_in(runtime)
    st.session_state[PRINCIPAL] = principal
    return principal


def _local_sign_in(runtime: Runtime) -> Principal:
    st.title("Knowledge Assistant")
    with st.form("sign-in"):
        username = st.text_input("User name", autocomplete="username")
        password = st.text_input("Password", type="password", autocomplete="current-password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if submitted:
        try:
            principal = authenticate(runtime.engine, username, password)
        except AuthError as err:
            st.error(str(err))
        else:
            st.session_state[PRINCIPAL] = principal
            st.rerun()
    st.stop()


def sign_out() -> None:
    principal = st.session_state.pop(PRINCIPAL, None)
    if principal is not None and principal.method == "oidc":
        st.logout()


def identity_caption(principal: Principal) -> None:
    if principal.method == "demo":
        st.sidebar.warning(
            "**Demo mode**: one local user with every role, no sign-in. "
            "Set `ASSISTANT_AUTH=local` or `oidc` for real accounts.",
            icon=":material/science:",
        )
        return
    st.sidebar.caption(
        f":material/person: {safe_markdown(principal.display_name)} · {principal.role}"
    )
    st.sidebar.button("Sign out", on_click=sign_out, icon=":material/logout:")


def require(permission: Permission) -> Principal:
    """Server-side role check at the top of every page."""
    principal: Principal | None = st.session_state.get(PRINCIPAL)
    if principal is None and RETURN_TO not in st.session_state:
        # The page ran without the app around it: Streamlit does that for a page opened by
        # its address before anyone opened the app since the server started (the pages/
        # folder then serves as the navigation). Sign in through the app, then come back.
        path = urlparse(st.context.url or "").path.rstrip("/")
        st.session_state[RETURN_TO] = path.split("/")[-1]
        try:
            st.switch_page("app.py")
        except StreamlitAPIException:  # no app to go to (a page run on its own): turned away
            del st.session_state[RETURN_TO]
    if principal is None or not principal.can(permission):
        st.error("You do not have access to this page.", icon=":material/block:")
        st.stop()
    return principal


def show_error(err: AssistantError) -> None:
    st.error(str(err), icon=":material/error:")
