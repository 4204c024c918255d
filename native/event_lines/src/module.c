/*
 * The Python extension module around event_lines.c. It exists so that pip compiles the
 * parser when the package is installed (a worker never compiles at run time); the module
 * itself holds no functions: sparkify_event_lines loads its file with ctypes and calls the
 * parser's functions (events_new, events_read, ...) directly. SOURCE_SHA256 is the digest
 * of the C sources it was built from (setup.py), so a stale build can be told apart.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#ifndef SOURCE_SHA256
#define SOURCE_SHA256 ""
#endif

static struct PyModuleDef event_lines_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "sparkify_event_lines._event_lines",
    .m_doc = "The event reader's compiled line parser (loaded with ctypes by sparkify_event_lines).",
    .m_size = 0,
};

PyMODINIT_FUNC PyInit__event_lines(void) {
    PyObject *module = PyModule_Create(&event_lines_module);
    if (module && PyModule_AddStringConstant(module, "SOURCE_SHA256", SOURCE_SHA256) < 0) {
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
