"""Pure presentation helpers: Danish number/date formatting and Altair chart builders.

Nothing here reads the warehouse or touches Streamlit, so every helper can be tested on plain data.
"""
