"""The app's Streamlit components, one module per concept (resources, sign-in, answer,
feedback, review forms): the only Streamlit code besides the page scripts."""
